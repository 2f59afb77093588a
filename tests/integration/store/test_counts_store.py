"""The counters on DynamoDB Local (real transactions and conditions): a record counted
once however often and however concurrently it is delivered, reads summing the shards,
the backfill replacing every shard, the storage totals kept with their time."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from portrait.config import get_settings
from portrait.ids import new_id
from portrait.store.aws import client
from portrait.store.counts import counters, storage_totals

pytestmark = pytest.mark.dynamodb_local
NOW = 1_796_600_000


def _kind() -> str:
    # A kind of its own per test: the tests share the table and run side by side.
    return f"test{new_id().lower()}"


def test_a_record_counts_once_and_its_marker_expires_after_the_stream_forgets_it(store_env) -> None:
    kind = _kind()
    assert counters.add_once(kind, "rec-1", {"pending": -1, "ready": 1}, now=NOW) is True
    assert counters.add_once(kind, "rec-1", {"pending": -1, "ready": 1}, now=NOW) is False
    assert counters.add_once(kind, "rec-2", {"ready": 1}, now=NOW) is True
    assert counters.read_figures([kind]) == {kind: {"pending": -1, "ready": 2}}
    marker = client("dynamodb").get_item(TableName=get_settings().counts_table,
                                         Key={"pk": {"S": "record#rec-1"}})["Item"]
    assert int(marker["expires_at"]["N"]) == NOW + counters.MARKER_SECONDS


def test_concurrent_and_repeated_deliveries_count_each_record_exactly_once(store_env) -> None:
    kind = _kind()
    records = [f"{kind}-rec-{n}" for n in range(48)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Every record delivered twice, the copies racing each other across the shards.
        applied = list(pool.map(lambda r: counters.add_once(kind, r, {"total": 1}, now=NOW),
                                records + records))
    assert applied.count(True) == len(records)
    assert counters.read_figures([kind]) == {kind: {"total": len(records)}}
    shards_used = {counters.shard_of(r) for r in records}
    assert len(shards_used) > 1  # spread over shards, summed on read


def test_the_backfill_replaces_every_shard_and_says_when(store_env) -> None:
    kind, other = _kind(), _kind()
    for n in range(20):
        counters.add_once(kind, f"{kind}-{n}", {"ready": 1, "deleted": 1}, now=NOW)
    counters.set_figures({kind: {"ready": 5, "deleted": 0}, other: {"total": 3}},
                         seeded_at="2026-12-07T04:00:00.000Z")
    assert counters.read_figures([kind, other]) == {kind: {"ready": 5, "deleted": 0},
                                                    other: {"total": 3}}
    assert counters.seeded_at() == "2026-12-07T04:00:00.000Z"
    counters.add_once(kind, f"{kind}-after", {"ready": 1}, now=NOW)
    assert counters.read_figures([kind])[kind]["ready"] == 6


def test_storage_totals_round_trip_with_their_time(store_env) -> None:
    totals = storage_totals.StoredTotals(
        prefixes={"avatars": {"objects": 5, "bytes": 12345}, "tmp": {"objects": 0, "bytes": 0}},
        listed_at=1_796_600_000.25, seconds_to_list=1.5)
    storage_totals.put_totals(totals)
    assert storage_totals.get_totals() == totals
