"""The DynamoDB stream event source: filters, record shape, partial failures, retries."""
from __future__ import annotations

import uuid

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    DynamoDBStreamLambdaOnFailureDestinationModel,
    DynamoDBStreamModel,
)

from portrait_local.event_sources import event_source_mappings
from portrait_local.stream_poller import StreamPoller


@pytest.fixture
def poller(stack_template, aws, runtime, report, recorder):
    recorder.clear("StreamFunction")
    (mapping,) = [m for m in event_source_mappings(stack_template) if m.kind == "dynamodb"]
    # StartingPosition LATEST: only what is written from now on.
    return StreamPoller(mapping, aws("dynamodbstreams"), stack_template.region, runtime.invoke,
                        report=report, sqs=aws("sqs"))


@pytest.fixture
def put(aws, stack_template):
    table = stack_template.physical_id("ItemsTable")

    def put(kind: str, **extra) -> str:
        item_id = uuid.uuid4().hex
        item = {"id": {"S": item_id}, "kind": {"S": kind}, "data": {"B": b"\x00\xff"}}
        item.update(extra)
        aws("dynamodb").put_item(TableName=table, Item=item)
        return item_id
    return put


def test_stream_arn_is_the_one_moto_assigned(stack_template, aws):
    table = aws("dynamodb").describe_table(TableName=stack_template.physical_id("ItemsTable"))
    assert stack_template.get_att("ItemsTable", "StreamArn") == table["Table"]["LatestStreamArn"]


def test_filter_criteria_select_records_and_shape_matches_lambda(poller, put, aws, recorder,
                                                                 stack_template):
    kept = [put("keep-1"), put("keep-2")]
    put("drop-1")
    table = stack_template.physical_id("ItemsTable")
    aws("dynamodb").update_item(TableName=table, Key={"id": {"S": kept[0]}},
                                UpdateExpression="SET kind = :k",
                                ExpressionAttributeValues={":k": {"S": "keep-3"}})  # MODIFY
    assert poller.poll_once() == 4
    (event,) = recorder.events("StreamFunction")
    DynamoDBStreamModel.model_validate(event)
    records = event["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == kept
    assert {r["eventName"] for r in records} == {"INSERT"}
    record = records[0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == stack_template.get_att("ItemsTable", "StreamArn")
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert record["dynamodb"]["NewImage"]["data"] == {"B": "AP8="}  # base64, as Lambda sends
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert poller.poll_once() == 0  # checkpointed


def test_reported_failure_is_retried_from_its_record_then_skipped(poller, put, recorder,
                                                                  invocations, aws,
                                                                  stack_template):
    failures = stack_template.physical_id("StreamFailuresQueue")
    aws("sqs").purge_queue(QueueUrl=failures)
    first = put("keep-a")
    failing = put("keep-b", fail={"BOOL": True})
    last = put("keep-c")
    poller.poll_once()  # [a, b, c]: b reported
    poller.poll_once()  # retry from b: [b, c], b reported again; MaximumRetryAttempts is 1
    poller.poll_once()  # retries exhausted: the batch was skipped, nothing left
    events = recorder.events("StreamFunction")
    batches = [[r["dynamodb"]["Keys"]["id"]["S"] for r in e["Records"]] for e in events]
    assert batches == [[first, failing, last], [failing, last]]
    assert "retrying from" in invocations[0][2]
    assert invocations[1][2].endswith("retries exhausted, batch skipped, described to "
                                      + failures.rsplit("/", 1)[-1])
    # The on-failure queue gets what Lambda sends: where the skipped records were, not them.
    (message,) = aws("sqs").receive_message(QueueUrl=failures, WaitTimeSeconds=1)["Messages"]
    failure = DynamoDBStreamLambdaOnFailureDestinationModel.model_validate_json(message["Body"])
    skipped = events[1]["Records"]
    info = failure.ddb_stream_batch_info
    assert (info.start_sequence_number, info.end_sequence_number, info.batch_size) == (
        skipped[0]["dynamodb"]["SequenceNumber"], skipped[-1]["dynamodb"]["SequenceNumber"], 2)
    assert info.stream_arn == stack_template.get_att("ItemsTable", "StreamArn")
    assert (failure.request_context.condition, failure.request_context.approximate_invoke_count,
            failure.request_context.function_arn) == (
        "RetryAttemptsExhausted", 2, stack_template.get_att("StreamFunction", "Arn"))
    assert "Records" not in message["Body"] and "keep-b" not in message["Body"]


def test_user_identity_filters_for_ttl_deletes(put, stack_template):
    """The purge's filter (TTL REMOVEs only) as the matcher sees Lambda's record."""
    from portrait_local.filters import matches
    from portrait_local.stream_poller import stream_record

    pattern = {"eventName": ["REMOVE"], "userIdentity": {
        "type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}
    base = {"eventID": "1", "eventName": "REMOVE", "dynamodb": {"SequenceNumber": "1"}}
    ttl = stream_record({**base, "userIdentity": {"type": "Service",
                                                  "principalId": "dynamodb.amazonaws.com"}},
                        "arn", "eu-west-1")
    user = stream_record(base, "arn", "eu-west-1")
    assert ttl["awsRegion"] == "eu-west-1"
    assert matches(pattern, ttl) and not matches(pattern, user)
