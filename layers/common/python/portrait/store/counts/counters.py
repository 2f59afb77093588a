"""Counter shards and once-only markers in the counts table (COUNTS_TABLE).

Layout (one string key, `pk`):
    <kind>#<shard>    a counter shard: one number attribute per figure (`ready`, `total`, ...)
    record#<eventID>  a stream record already counted; expires (TTL) after MARKER_SECONDS
    seeded            when the backfill last set the counters (`seeded_at`)

Each figure is split over SHARDS items, each record counted on one of them (by its id):
every avatar upload of a busy deployment writes a counter, and one item (one partition)
takes at most 1,000 writes a second. A read sums the shards: one BatchGetItem.

boto3's client, not PynamoDB: the figures are attribute names chosen at run time, and
the one write is a TransactWriteItems of a conditional Put and an ADD.
"""
from __future__ import annotations

import time
import zlib
from typing import Iterable

from botocore.exceptions import ClientError

from portrait.config import get_settings
from portrait.store.aws import client
from portrait.store.contention import ATTEMPTS, BASE_DELAY_SECONDS, JITTER, is_contention

SHARDS = 8
# A stream keeps a record for 24 hours, so it cannot be delivered again after that;
# DynamoDB removes an expired marker within about two days, which costs nothing here.
MARKER_SECONDS = 2 * 24 * 3600
SEEDED = "seeded"


def _table() -> str:
    return get_settings().counts_table


def shard_of(record_id: str) -> int:
    return zlib.crc32(record_id.encode()) % SHARDS


def _shard_key(kind: str, shard: int) -> dict:
    return {"pk": {"S": f"{kind}#{shard}"}}


def _add_expression(changes: dict[str, int]) -> dict:
    names = {f"#f{n}": name for n, name in enumerate(changes)}
    values = {f":v{n}": {"N": str(delta)} for n, delta in enumerate(changes.values())}
    return {"UpdateExpression": "ADD " + ", ".join(f"#f{n} :v{n}" for n in range(len(changes))),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def _marker_exists(exc: ClientError) -> bool:
    # The marker is the transaction's first item: its reason comes first.
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return reasons[0].get("Code") == "ConditionalCheckFailed"
    message = exc.response.get("Error", {}).get("Message", "")
    return "[ConditionalCheckFailed" in message


def add_once(kind: str, record_id: str, changes: dict[str, int], *, now: int) -> bool:
    """Add `changes` to `kind`'s figures unless the record `record_id` was counted before:
    the marker and the ADD commit together or not at all. False for a redelivery."""
    table = _table()
    items = [
        {"Put": {"TableName": table,
                 "Item": {"pk": {"S": f"record#{record_id}"}, "kind": {"S": kind},
                          "expires_at": {"N": str(now + MARKER_SECONDS)}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": table, "Key": _shard_key(kind, shard_of(record_id)),
                    **_add_expression(changes)}},
    ]
    for attempt in range(ATTEMPTS):
        try:
            client("dynamodb").transact_write_items(TransactItems=items)
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "TransactionCanceledException" and _marker_exists(exc):
                return False
            # Another transaction on the same shard: nothing was written, try again;
            # past the attempts, the stream retries the record.
            if not is_contention(exc) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(BASE_DELAY_SECONDS * 2 ** attempt * JITTER.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def read_figures(kinds: Iterable[str]) -> dict[str, dict[str, int]]:
    """Each kind's figures, summed over its shards (one BatchGetItem; a figure never
    written is missing, the caller fills in zero)."""
    kinds = list(kinds)
    keys = [_shard_key(kind, shard) for kind in kinds for shard in range(SHARDS)]
    totals: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
    request = {_table(): {"Keys": keys, "ConsistentRead": True}}
    while request:
        reply = client("dynamodb").batch_get_item(RequestItems=request)
        for item in reply.get("Responses", {}).get(_table(), []):
            kind = item["pk"]["S"].rsplit("#", 1)[0]
            for name, value in item.items():
                if "N" in value and name != "pk":
                    totals[kind][name] = totals[kind].get(name, 0) + int(value["N"])
        request = reply.get("UnprocessedKeys") or None
    return totals


def set_figures(figures: dict[str, dict[str, int]], *, seeded_at: str) -> None:
    """Replace the counters with `figures` (the backfill): shard 0 holds each total, the
    other shards start again from zero, and the `seeded` item records when, all in one
    transaction, so a reader never sees half of it."""
    table = _table()
    items = [{"Put": {"TableName": table, "Item": {
        **_shard_key(kind, shard),
        **({name: {"N": str(value)} for name, value in values.items()} if shard == 0 else {})}}}
        for kind, values in figures.items() for shard in range(SHARDS)]
    items.append({"Put": {"TableName": table, "Item": {
        "pk": {"S": SEEDED}, "seeded_at": {"S": seeded_at}}}})
    client("dynamodb").transact_write_items(TransactItems=items)


def seeded_at() -> str | None:
    """When the backfill last set the counters (None: never)."""
    item = client("dynamodb").get_item(TableName=_table(), Key={"pk": {"S": SEEDED}},
                                       ConsistentRead=True).get("Item")
    return item["seeded_at"]["S"] if item else None
