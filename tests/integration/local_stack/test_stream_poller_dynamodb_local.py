"""The stream poller on DynamoDB Local's own streams, which moto's do not imitate in one
way that matters: the iterator an empty read hands back is trimmed by the next write."""
from __future__ import annotations

import uuid

import boto3
import pytest

from portrait_local.event_sources import EventSourceMapping
from portrait_local.runtime import Invocation
from portrait_local.stream_poller import StreamPoller


@pytest.fixture
def engine(dynamodb_local_engine):
    """Clients of a database of this test's own in the test process's DynamoDB Local."""
    key = f"poller{uuid.uuid4().hex[:12]}"

    def client(service: str):
        return boto3.client(service, endpoint_url=dynamodb_local_engine, region_name="us-east-1",
                            aws_access_key_id=key, aws_secret_access_key="x")
    return client


@pytest.fixture
def table(engine) -> str:
    """A table with a stream, and another made after it, as a stack makes its tables (the
    trimming needs the engine's sequence numbers to have moved on since the first)."""
    for name in ("Items", "Others"):
        engine("dynamodb").create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return engine("dynamodb").describe_table(TableName="Items")["Table"]["LatestStreamArn"]


def test_the_write_that_wakes_an_idle_poller_is_read_by_its_next_poll(engine, table):
    batches: list[list[str]] = []

    def invoke(function_id: str, event: dict) -> Invocation:
        batches.append([r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]])
        return Invocation(function_id, "request", 1.0, result=None)

    mapping = EventSourceMapping(function_id="Reader", name="Stream", kind="dynamodb",
                                 source_arn=table, batch_size=100)
    poller = StreamPoller(mapping, engine("dynamodbstreams"), "us-east-1", invoke,
                          report=lambda *args: None)
    assert poller.poll_once() == 0  # an idle stack's poller, before any write
    engine("dynamodb").put_item(TableName="Items", Item={"id": {"S": "first"}})
    # The poll that write wakes (table_writes): with the trimmed iterator it found nothing,
    # and the record waited for another write or the half-minute ceiling.
    assert poller.poll_once() == 1
    engine("dynamodb").put_item(TableName="Items", Item={"id": {"S": "second"}})
    assert poller.poll_once() == 1
    assert poller.poll_once() == 0
    assert batches == [["first"], ["second"]]
