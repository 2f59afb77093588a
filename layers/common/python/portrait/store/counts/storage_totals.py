"""The storage totals by prefix, as last listed (one item, `pk` = storage, in the counts table)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from portrait.config import get_settings
from portrait.store.aws import client

_KEY = {"pk": {"S": "storage"}}


@dataclass(frozen=True)
class StoredTotals:
    prefixes: dict[str, dict[str, int]]  # prefix name -> {"objects": n, "bytes": n}
    listed_at: float  # epoch seconds: when the listing that made them finished
    seconds_to_list: float


def put_totals(totals: StoredTotals) -> None:
    # The prefixes as one JSON string: read and written whole, never updated in part.
    client("dynamodb").put_item(TableName=get_settings().counts_table, Item={
        **_KEY, "prefixes": {"S": json.dumps(totals.prefixes, sort_keys=True)},
        "listed_at": {"N": repr(totals.listed_at)},
        "seconds_to_list": {"N": repr(round(totals.seconds_to_list, 3))}})


def get_totals() -> StoredTotals | None:
    """The last listing's totals; None before the first one finished."""
    item = client("dynamodb").get_item(TableName=get_settings().counts_table, Key=_KEY).get("Item")
    if not item:
        return None
    return StoredTotals(prefixes=json.loads(item["prefixes"]["S"]),
                        listed_at=float(item["listed_at"]["N"]),
                        seconds_to_list=float(item["seconds_to_list"]["N"]))
