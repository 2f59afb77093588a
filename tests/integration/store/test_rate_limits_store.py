"""Fixed-window rate limits on DynamoDB Local."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from portrait.errors import RateLimited
from portrait.ids import new_id
from portrait.store import rate_limits
from portrait.store.aws import client

pytestmark = pytest.mark.dynamodb_local
WINDOW_START = 1_800_000_000 - 1_800_000_000 % 60


def test_counts_up_to_the_limit_then_refuses_with_retry_after(store_env) -> None:
    subject = new_id()
    counts = [rate_limits.hit("upload", subject, limit=5, now=WINDOW_START + 10) for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    with pytest.raises(RateLimited) as caught:
        rate_limits.hit("upload", subject, limit=5, now=WINDOW_START + 10.5)
    assert caught.value.retry_after == 50  # seconds to the window's end, rounded up
    assert caught.value.code == "rate_limited"


def test_windows_scopes_and_subjects_are_independent(store_env) -> None:
    subject = new_id()
    rate_limits.hit("delete", subject, limit=1, now=WINDOW_START + 59)
    with pytest.raises(RateLimited) as caught:
        rate_limits.hit("delete", subject, limit=1, now=WINDOW_START + 59.2)
    assert caught.value.retry_after == 1
    assert rate_limits.hit("delete", subject, limit=1, now=WINDOW_START + 60) == 1  # next window
    assert rate_limits.hit("upload", subject, limit=1, now=WINDOW_START + 59) == 1  # other scope
    assert rate_limits.hit("delete", new_id(), limit=1, now=WINDOW_START + 59) == 1  # other subject


def test_counters_carry_a_ttl_past_their_window(store_env) -> None:
    subject = new_id()
    rate_limits.hit("login", subject, limit=10, now=WINDOW_START + 3)
    item = client("dynamodb").get_item(TableName=store_env["RATE_LIMITS_TABLE"],
                                       Key={"pk": {"S": f"login#{subject}#{WINDOW_START}"}})["Item"]
    assert int(item["expires_at"]["N"]) > WINDOW_START + 60
    assert int(item["count"]["N"]) == 1


def test_concurrent_hits_never_exceed_the_limit(store_env) -> None:
    subject = new_id()

    def attempt(_: int) -> bool:
        try:
            rate_limits.hit("upload", subject, limit=5, now=WINDOW_START + 30)
            return True
        except RateLimited:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(attempt, range(20)))
    assert allowed == 5
