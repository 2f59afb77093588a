"""The backfill's scans: every item of a table, only the attributes counting needs."""
from __future__ import annotations

from typing import Iterator

from boto3.dynamodb.types import TypeDeserializer

from portrait.store.aws import client

# What tally.py reads of each kind of item (projections keep a scan's reads small).
ATTRIBUTES = ("pk", "avatar_id", "generation_id", "pose_id", "status")
_DESERIALIZE = TypeDeserializer().deserialize


def scan_images(table: str, *, page_size: int = 1000) -> Iterator[dict]:
    """Every item of `table` as a plain dict of the counted attributes (eventually
    consistent: a write during the scan may or may not be seen)."""
    names = {f"#a{n}": name for n, name in enumerate(ATTRIBUTES)}
    pages = client("dynamodb").get_paginator("scan").paginate(
        TableName=table, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names,
        PaginationConfig={"PageSize": page_size})
    for page in pages:
        for item in page["Items"]:
            yield {name: _DESERIALIZE(value) for name, value in item.items()}
