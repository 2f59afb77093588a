"""Sliding-window rate limits on DynamoDB Local."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from portrait.errors import RateLimited
from portrait.ids import new_id
from portrait.store import rate_limits
from portrait.store.aws import client

pytestmark = pytest.mark.dynamodb_local
T0 = 1_800_000_000 - 1_800_000_000 % 60  # a clock-minute boundary, to show it does not matter


def refused(scope: str, subject: str, limit: int, now: float) -> RateLimited:
    with pytest.raises(RateLimited) as caught:
        rate_limits.hit(scope, subject, limit=limit, now=now)
    return caught.value


def test_counts_up_to_the_limit_then_refuses_with_retry_after(store_env) -> None:
    subject = new_id()
    counts = [rate_limits.hit("upload", subject, limit=5, now=T0 + 10 + i) for i in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    error = refused("upload", subject, 5, T0 + 20.5)
    assert error.retry_after == 50  # until the first attempt (at +10) is a minute old
    assert error.code == "rate_limited"
    assert rate_limits.hit("upload", subject, limit=5, now=T0 + 70.01) == 5  # one place freed


def test_no_boundary_lets_twice_the_limit_through(store_env) -> None:
    """A fixed window allows 10 in 0.2 s around a clock minute; a sliding one allows 5."""
    subject = new_id()
    for i in range(5):
        rate_limits.hit("upload", subject, limit=5, now=T0 - 0.1 + i * 0.01)
    for offset in (0.1, 1, 30, 59.8):
        assert refused("upload", subject, 5, T0 + offset).retry_after >= 1
    # A minute after the burst, every one of its attempts has left the window.
    assert rate_limits.hit("upload", subject, limit=5, now=T0 + 59.95) == 1


def test_scopes_and_subjects_are_independent(store_env) -> None:
    subject = new_id()
    rate_limits.hit("delete", subject, limit=1, now=T0 + 59)
    assert refused("delete", subject, 1, T0 + 59.2).retry_after == 60
    assert rate_limits.hit("upload", subject, limit=1, now=T0 + 59) == 1  # other scope
    assert rate_limits.hit("delete", new_id(), limit=1, now=T0 + 59) == 1  # other subject


def test_items_carry_a_ttl_past_their_window(store_env) -> None:
    subject = new_id()
    rate_limits.hit("login", subject, limit=10, now=T0 + 3)
    item = client("dynamodb").get_item(TableName=store_env["RATE_LIMITS_TABLE"],
                                       Key={"pk": {"S": f"login#{subject}"}})["Item"]
    assert int(item["expires_at"]["N"]) > T0 + 3 + 60
    assert len(item["hits"]["L"]) == 1


def test_concurrent_hits_never_exceed_the_limit(store_env) -> None:
    subject = new_id()

    def attempt(_: int) -> bool:
        try:
            rate_limits.hit("upload", subject, limit=5, now=T0 + 30)
            return True
        except RateLimited:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(attempt, range(20)))
    assert allowed == 5
