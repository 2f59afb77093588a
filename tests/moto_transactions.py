"""moto's TransactWriteItems, with each table copied once rather than once per item.

moto keeps a deep copy of a table for every item of a transaction that names it, all
taken before the first write, so they are identical; the rollback keeps one per table
name anyway. A register (three items on the users table) copied that table three times,
a 99-pose seed 99 times: in-process, deep copies were about a third of the integration
suite's CPU. Memoising the copy by table inside one transaction keeps moto's behaviour
exactly (same snapshot, same rollback) at a fraction of the cost.
"""
from __future__ import annotations

import copy
import functools
import threading

from moto.dynamodb import models
from moto.dynamodb.models.table import Table

_current = threading.local()  # this thread's transaction's copies, by table id


class _CopyOncePerTable:
    """Stands in for the `copy` module inside moto.dynamodb.models."""

    def deepcopy(self, obj, memo=None):
        copies = getattr(_current, "copies", None)
        if copies is None or not isinstance(obj, Table):
            return copy.deepcopy(obj, memo)
        if id(obj) not in copies:
            copies[id(obj)] = copy.deepcopy(obj, memo)
        return copies[id(obj)]

    def __getattr__(self, name: str):
        return getattr(copy, name)


def install() -> None:
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "copies_once", False):
        return
    original = backend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self, transact_items):
        _current.copies = {}
        try:
            return original(self, transact_items)
        finally:
            _current.copies = None

    transact_write_items.copies_once = True
    backend.transact_write_items = transact_write_items
    models.copy = _CopyOncePerTable()
