"""The board that tells stream pollers which tables were written (table_writes)."""
from __future__ import annotations

import json
import threading
import time

from portrait_local.table_writes import ANY_TABLE, TableWrites, table_name, written_tables

STREAM_ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/portrait-avatars/stream/"
              "2026-12-06T00:00:00.000")


def _body(request: dict) -> bytes:
    return json.dumps(request).encode()


def test_a_table_is_named_by_its_name_its_arn_or_its_stream_arn() -> None:
    assert table_name("portrait-avatars") == "portrait-avatars"
    assert table_name("arn:aws:dynamodb:us-east-1:123456789012:table/portrait-avatars") == \
        "portrait-avatars"
    assert table_name(STREAM_ARN) == "portrait-avatars"


def test_each_write_names_the_tables_it_changes_and_reads_name_none() -> None:
    assert written_tables("PutItem", _body({"TableName": "users", "Item": {}})) == {"users"}
    assert written_tables("UpdateItem", _body({"TableName": "users"})) == {"users"}
    assert written_tables("DeleteItem", _body({"TableName": "users"})) == {"users"}
    assert written_tables("BatchWriteItem", _body(
        {"RequestItems": {"users": [], "avatars": []}})) == {"users", "avatars"}
    assert written_tables("TransactWriteItems", _body({"TransactItems": [
        {"Put": {"TableName": "users"}}, {"Update": {"TableName": "avatars"}},
        {"ConditionCheck": {"TableName": "guards"}}]})) == {"users", "avatars", "guards"}
    assert written_tables("ExecuteStatement", _body({"Statement": "UPDATE ..."})) == {ANY_TABLE}
    assert written_tables("PutItem", b"not json") == {ANY_TABLE}
    for read in ("GetItem", "Query", "Scan", "GetRecords", "DescribeStream", "TransactGetItems"):
        assert written_tables(read, _body({"TableName": "users"})) == set()


def test_a_waiter_wakes_when_its_table_is_written_and_not_for_another() -> None:
    board = TableWrites()
    seen = board.count("avatars")
    board.wrote({"users"})
    assert board.count("avatars") == seen  # another table's write is not this one's
    woke = threading.Event()

    def wait() -> None:
        board.wait("avatars", seen, timeout=60)
        woke.set()
    waiter = threading.Thread(target=wait)
    waiter.start()
    assert not woke.wait(0.2)  # still waiting: nothing was written to it
    board.wrote({"avatars"})
    assert woke.wait(60)
    waiter.join(60)


def test_a_write_before_the_wait_is_not_missed() -> None:
    board = TableWrites()
    seen = board.count("avatars")
    board.wrote({"avatars"})  # between reading the count and waiting
    started = time.monotonic()
    board.wait("avatars", seen, timeout=60)
    assert time.monotonic() - started < 30  # returned on the count, not the timeout


def test_a_write_to_any_table_wakes_every_waiter_and_close_wakes_them_for_good() -> None:
    board = TableWrites()
    seen = board.count("avatars")
    board.wrote({ANY_TABLE})
    assert board.count("avatars") == seen + 1
    board.close()
    started = time.monotonic()
    board.wait("users", board.count("users"), timeout=60)
    assert time.monotonic() - started < 30
