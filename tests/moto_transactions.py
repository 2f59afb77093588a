"""moto's TransactWriteItems, with a light snapshot of each table for the rollback.

moto keeps a deep copy of a table for every item of a transaction that names it, all
taken before the first write, and puts those copies back if an item fails. A register
(three items on the users table) copied that table three times, a 99-pose seed 99
times; deep copies were about a third of the integration suite's CPU, and growing with
the tables. The snapshot here holds what a rollback needs and no more: the table's item
maps copied one level down (the item objects shared), a deep copy of just the items the
transaction names (an update changes its item in place), and the stream records so far.
Put back, it is the table as it was before the transaction, as moto's copy would be.
"""
from __future__ import annotations

import copy
import functools
import threading
from collections import defaultdict
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_current = threading.local()  # this thread's transaction: its items and snapshots


def _named_keys(table: Table, transact_items: list[dict[str, Any]]) -> list[tuple]:
    """(hash, range or None) of every item of the transaction on `table`."""
    keys = []
    for item in transact_items:
        _, op = next(iter(item.items()))
        if op.get("TableName") != table.name:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key:
            continue  # moto refuses it (ValidationException) before any write
        range_key = key.get(table.range_key_attr) if table.range_key_attr else None
        keys.append((DynamoType(key[table.hash_key_attr]),
                     DynamoType(range_key) if range_key is not None else None))
    return keys


def snapshot(table: Table, transact_items: list[dict[str, Any]]) -> Table:
    """The table as it is now, for a rollback of `transact_items` (see the module)."""
    saved = copy.copy(table)
    saved.items = defaultdict(dict)
    for hash_value, held in table.items.items():
        saved.items[hash_value] = dict(held) if table.range_key_attr else held
    for hash_value, range_value in _named_keys(table, transact_items):
        if hash_value not in table.items:
            continue
        if range_value is None:
            saved.items[hash_value] = copy.deepcopy(table.items[hash_value])
        elif range_value in table.items[hash_value]:
            saved.items[hash_value][range_value] = copy.deepcopy(table.items[hash_value][range_value])
    if table.stream_shard is not None:
        shard = copy.copy(table.stream_shard)
        shard.items, shard.table = list(table.stream_shard.items), saved
        saved.stream_shard = shard
    return saved


class _SnapshotTables:
    """Stands in for the `copy` module inside moto.dynamodb.models."""

    def deepcopy(self, obj, memo=None):
        transact_items = getattr(_current, "transact_items", None)
        if transact_items is None or not isinstance(obj, Table):
            return copy.deepcopy(obj, memo)
        if id(obj) not in _current.snapshots:
            _current.snapshots[id(obj)] = snapshot(obj, transact_items)
        return _current.snapshots[id(obj)]

    def __getattr__(self, name: str):
        return getattr(copy, name)


def install() -> None:
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "snapshots_tables", False):
        return
    original = backend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self, transact_items):
        _current.transact_items, _current.snapshots = transact_items, {}
        try:
            return original(self, transact_items)
        finally:
            _current.transact_items = _current.snapshots = None

    transact_write_items.snapshots_tables = True
    backend.transact_write_items = transact_write_items
    models.copy = _SnapshotTables()
