"""Which tables were written through the local endpoint, so a stream poller reads its
shards when there is something to read instead of on a fixed beat.

Lambda reads each shard about four times a second. Locally that beat, seven
mappings strong, cost a tenth of a core on a stack doing nothing, and on a
two-core machine running several stacks (the test suite) that is time taken
from the work. Every write reaches DynamoDB Local through the endpoint's
forwarder (dynamodb_local.DynamoDBForwarder), which tells the board below which
tables it changed once DynamoDB Local has answered; a poller waits for its
table's count to move, at most CEILING_SECONDS. Every write the stack makes goes
through the endpoint, so the ceiling is a safety net for one made around it (it
is still read within half a minute); at 5 s, fourteen pollers' reads were a
third of an idle stack's CPU and half of its DynamoDB Local's.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Iterable

CEILING_SECONDS = 30.0
# Every table: a write whose tables the body does not name (PartiQL statements).
ANY_TABLE = "*"
_SINGLE = {"PutItem", "UpdateItem", "DeleteItem"}
_WRITES = _SINGLE | {"BatchWriteItem", "TransactWriteItems", "ExecuteStatement",
                     "BatchExecuteStatement", "ExecuteTransaction"}


def table_name(name_or_arn: str) -> str:
    """A table's name, given its name or ARN (arn:…:table/NAME[/stream/…])."""
    return name_or_arn.split(":table/", 1)[-1].split("/", 1)[0]


def written_tables(operation: str, body: bytes) -> set[str]:
    """The tables a DynamoDB request writes (empty for reads); ANY_TABLE when the
    request writes but does not say where."""
    if operation not in _WRITES:
        return set()
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return {ANY_TABLE}
    if operation in _SINGLE:
        return {table_name(request.get("TableName", ANY_TABLE))}
    if operation == "BatchWriteItem":
        return {table_name(name) for name in request.get("RequestItems", {})}
    if operation == "TransactWriteItems":
        return {table_name(action["TableName"]) for item in request.get("TransactItems", [])
                for action in item.values() if "TableName" in action}
    return {ANY_TABLE}


class TableWrites:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._counts: Counter[str] = Counter()
        self._closed = False

    def wrote(self, tables: Iterable[str]) -> None:
        tables = set(tables)
        if not tables:
            return
        with self._changed:
            self._counts.update(tables)
            self._changed.notify_all()

    def count(self, table: str) -> int:
        """How many writes this table has seen (a wait compares against it)."""
        with self._changed:
            return self._counts[table] + self._counts[ANY_TABLE]

    def wait(self, table: str, seen: int, timeout: float = CEILING_SECONDS) -> None:
        """Until the table is written after `seen` was read, the board closes, or
        `timeout` passes."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or self._counts[table] + self._counts[ANY_TABLE] != seen,
                timeout=timeout)

    def close(self) -> None:
        """Wake every waiter for good: the stack is stopping."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
