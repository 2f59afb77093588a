"""Test doubles for DynamoDB Streams, which moto's in-process mock does not serve."""
from __future__ import annotations


class OneShardStream:
    """GetRecords on one shard holding `records` (moto's in-process mock has no stream API)."""

    def __init__(self, records: list[dict]) -> None:
        self.records = records

    def describe_stream(self, **_):
        return {"StreamDescription": {"Shards": [{"ShardId": "shardId-1"}]}}

    def get_shard_iterator(self, **_):
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int):
        start = int(ShardIterator)
        batch = self.records[start:start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch))}
