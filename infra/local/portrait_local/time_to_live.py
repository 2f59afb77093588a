"""DynamoDB's Time to Live, locally: neither DynamoDB Local nor moto deletes expired items.

For every table whose template enables TTL, items whose TTL attribute (a Number,
epoch seconds) lies in the past are deleted as the service deletes them: never
before expiry (a conditional delete, so an item given a later expiry in the
meantime stays), not when the value is more than five years old (AWS ignores
those), and with the stream's REMOVE record carrying the identity the service
puts on its own deletes, `{"type": "Service", "principalId":
"dynamodb.amazonaws.com"}`, so a mapping filtered on it (PurgeFunction) sees
exactly the deletes it would see in AWS. AWS deletes within about two days;
here a pass runs every INTERVAL_SECONDS, and `portrait ttl run` runs one now,
optionally as if the clock were `--ahead` of now (to expire a 7-day grace in a
test without waiting a week).

DynamoDB Local writes no userIdentity on any record, so the stream poller asks
`TtlDeletes` whether a REMOVE was one of ours: the table, the item's key and its
TTL value, noted just before the delete is sent.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from portrait_local.template import Template

SERVICE_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
INTERVAL_SECONDS = 30
IGNORED_AFTER_SECONDS = 5 * 365 * 86400  # TTL values older than five years are not deleted
REMEMBERED_SECONDS = 86400  # a stream keeps its records for 24 h


@dataclass(frozen=True)
class TtlTable:
    logical_id: str
    name: str
    attribute: str
    key_names: tuple[str, ...]


def ttl_tables(template: Template) -> list[TtlTable]:
    """The template's tables with TTL enabled."""
    tables = []
    for logical_id, resource in template.resources.items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resource.get("Properties") or {}
        ttl = template.resolve(props.get("TimeToLiveSpecification") or {})
        if ttl.get("Enabled") not in (True, "true") or not ttl.get("AttributeName"):
            continue
        keys = tuple(k["AttributeName"] for k in template.resolve(props.get("KeySchema") or []))
        tables.append(TtlTable(logical_id, template.physical_name(logical_id),
                               ttl["AttributeName"], keys))
    return tables


def _mark(table: str, keys: dict, expiry: Any) -> str:
    return json.dumps([table, keys, expiry], sort_keys=True)


class TtlDeletes:
    """The deletes the emulated service made, for the stream poller to recognise."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._made: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def expect(self, table: str, keys: dict, expiry: Any) -> None:
        with self._lock:
            now = self._clock()
            self._made = {m: at for m, at in self._made.items() if now - at < REMEMBERED_SECONDS}
            self._made[_mark(table, keys, expiry)] = now

    def forget(self, table: str, keys: dict, expiry: Any) -> None:
        with self._lock:
            self._made.pop(_mark(table, keys, expiry), None)

    def made(self, table: str, record: dict) -> bool:
        """Whether this stream record is the REMOVE of an item the service expired."""
        if record.get("eventName") != "REMOVE":
            return False
        data = record.get("dynamodb") or {}
        keys, old = data.get("Keys") or {}, data.get("OldImage") or {}
        with self._lock:
            return any(_mark(table, keys, value) in self._made for value in old.values())


class TimeToLive:
    def __init__(self, template: Template, dynamodb: Any, deletes: TtlDeletes,
                 clock: Callable[[], float] = time.time) -> None:
        self.tables, self.dynamodb, self.deletes, self.clock = ttl_tables(template), dynamodb, \
            deletes, clock
        self._lock = threading.Lock()  # one pass at a time

    def run_once(self, ahead_seconds: float = 0, only: set[str] | None = None
                 ) -> dict[str, int]:
        """Delete what has expired (as of now + `ahead_seconds`; in the tables named by
        logical id in `only`, else all); items deleted per table."""
        unknown = sorted(set(only or ()) - {t.logical_id for t in self.tables})
        if unknown:
            raise KeyError(f"no table with TTL named {', '.join(unknown)} (have: "
                           f"{', '.join(t.logical_id for t in self.tables)})")
        now = int(self.clock() + ahead_seconds)
        with self._lock:
            return {table.logical_id: self._expire(table, now) for table in self.tables
                    if only is None or table.logical_id in only}

    def _expire(self, table: TtlTable, now: int) -> int:
        names = {"#ttl": table.attribute, **{f"#k{i}": k for i, k in enumerate(table.key_names)}}
        values = {":now": {"N": str(now)}, ":oldest": {"N": str(now - IGNORED_AFTER_SECONDS)}}
        projection = ", ".join(["#ttl", *(f"#k{i}" for i in range(len(table.key_names)))])
        deleted = 0
        for page in self.dynamodb.get_paginator("scan").paginate(
                TableName=table.name, ProjectionExpression=projection,
                FilterExpression="#ttl < :now AND #ttl > :oldest",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values):
            for item in page.get("Items", []):
                keys = {k: item[k] for k in table.key_names}
                expiry = item[table.attribute]
                self.deletes.expect(table.name, keys, expiry)
                try:
                    self.dynamodb.delete_item(
                        TableName=table.name, Key=keys, ConditionExpression="#ttl = :expiry",
                        ExpressionAttributeNames={"#ttl": table.attribute},
                        ExpressionAttributeValues={":expiry": expiry})
                    deleted += 1
                except self.dynamodb.exceptions.ConditionalCheckFailedException:
                    # Changed since the scan (a new expiry, or gone): not ours to delete.
                    self.deletes.forget(table.name, keys, expiry)
        return deleted

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(INTERVAL_SECONDS):
            try:
                expired = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the next pass tries again, as AWS does
                print(f"time to live: pass failed: {exc}", flush=True)
                continue
            if any(expired.values()):
                print("time to live: expired " + ", ".join(
                    f"{n} from {t}" for t, n in expired.items() if n), flush=True)
