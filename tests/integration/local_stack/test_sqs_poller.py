"""The SQS event source: batch size, partial failures, redelivery, DLQ, filters."""
from __future__ import annotations

import json
import uuid
from urllib.parse import unquote_plus

import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel

from portrait_local.event_sources import event_source_mappings
from portrait_local.sqs_poller import SqsPoller

from .conftest import wait_for


@pytest.fixture
def queue(stack_template, aws):
    url = aws("sqs").get_queue_url(QueueName=stack_template.physical_name("WorkQueue"))["QueueUrl"]
    dlq = aws("sqs").get_queue_url(
        QueueName=stack_template.physical_name("WorkDeadLetterQueue"))["QueueUrl"]
    for q in (url, dlq):  # empty them (PurgeQueue is allowed once a minute)
        wait_for(lambda: aws("sqs").get_queue_attributes(  # earlier tests' in-flight messages
            QueueUrl=q, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
            "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0", timeout=5)
        while messages := aws("sqs").receive_message(
                QueueUrl=q, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
            for m in messages:
                aws("sqs").delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
    return url, dlq


@pytest.fixture
def poller(stack_template, aws, runtime, report, recorder):
    recorder.clear("QueueFunction")
    (mapping,) = [m for m in event_source_mappings(stack_template) if m.kind == "sqs"]
    return SqsPoller(mapping, aws("sqs"), stack_template.region, runtime.invoke, report=report,
                     wait_seconds=0)


def send(aws, url, **body) -> str:
    body.setdefault("kind", "job")
    body.setdefault("n", uuid.uuid4().hex)
    aws("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body),
                            MessageAttributes={"origin": {"DataType": "String",
                                                          "StringValue": "test"}})
    return body["n"]


def bodies(event) -> list[dict]:
    return [json.loads(r["body"]) for r in event["Records"]]


def drain(poller, until: int) -> None:
    """Poll until `until` messages were received in all (bounded)."""
    seen = [0]

    def step():
        seen[0] += poller.poll_once()
        return seen[0] >= until
    wait_for(step, timeout=10, interval=0.05)


def test_mapping_comes_from_the_template(poller, stack_template):
    mapping = poller.mapping
    assert (mapping.function_id, mapping.batch_size, mapping.report_batch_item_failures) == (
        "QueueFunction", 3, True)
    assert mapping.source_arn == stack_template.get_att("WorkQueue", "Arn")
    assert len(mapping.filters) == 2


def test_batches_respect_batch_size_and_match_lambdas_event_shape(poller, queue, aws, recorder,
                                                                  invocations):
    url, _ = queue
    sent = {send(aws, url) for _ in range(7)}
    drain(poller, 7)
    events = recorder.events("QueueFunction")
    assert sum(len(e["Records"]) for e in events) == 7
    assert {b["n"] for e in events for b in bodies(e)} == sent
    assert all(1 <= len(e["Records"]) <= 3 for e in events)
    assert len(events) >= 3  # 7 messages cannot fit in fewer batches of 3
    record = events[0]["Records"][0]
    SqsModel.model_validate(events[0])  # Powertools' own model of Lambda's SQS event
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":fixture-WorkQueue")
    assert record["awsRegion"] == "us-east-1"
    assert set(record["attributes"]) >= {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}
    assert record["messageAttributes"]["origin"] == {
        "stringValue": "test", "stringListValues": [], "binaryListValues": [],
        "dataType": "String"}
    assert aws("sqs").receive_message(QueueUrl=url).get("Messages") is None  # all deleted
    assert all(outcome == "ok" for _, _, outcome in invocations)


def test_partial_failure_deletes_successes_redelivers_failures_then_dead_letters(
        poller, queue, aws, recorder, invocations):
    url, dlq = queue
    good = [send(aws, url) for _ in range(2)]
    bad = send(aws, url, fail=True)
    drain(poller, 3)
    assert invocations[-1][2] == "ok (1 failed)"
    # The failed message returns after the queue's VisibilityTimeout (1 s), alone.
    drain(poller, 1)
    events = recorder.events("QueueFunction")
    redelivered = events[-1]["Records"]
    assert [json.loads(r["body"])["n"] for r in redelivered] == [bad]
    assert redelivered[0]["attributes"]["ApproximateReceiveCount"] == "2"
    delivered = [b["n"] for e in events for b in bodies(e)]
    assert sorted(delivered) == sorted(good + [bad, bad])
    # maxReceiveCount is 2: on the next receive the message goes to the dead-letter queue.
    moved = wait_for(lambda: (poller.poll_once() or True) and aws("sqs").receive_message(
        QueueUrl=dlq, VisibilityTimeout=0).get("Messages"), timeout=10)
    assert json.loads(moved[0]["Body"])["n"] == bad
    assert len(recorder.events("QueueFunction")) == len(events)  # not invoked a third time


def test_function_error_keeps_the_whole_batch(poller, queue, aws, recorder, invocations):
    url, _ = queue
    send(aws, url, crash=True)
    drain(poller, 1)
    assert invocations[-1][2].startswith("error RuntimeError: crash requested")
    drain(poller, 1)  # back after the visibility timeout
    assert len(recorder.events("QueueFunction")) == 2


def test_messages_matching_no_filter_are_deleted_without_an_invocation(
        poller, queue, aws, recorder):
    url, _ = queue
    send(aws, url, kind="other")
    drain(poller, 1)
    assert recorder.events("QueueFunction") == []
    assert aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_bucket_notifications_reach_the_queue(poller, queue, aws, stack_template, recorder):
    bucket = stack_template.physical_id("UploadsBucket")
    aws("s3").put_object(Bucket=bucket, Key="elsewhere/a.txt", Body=b"x")
    aws("s3").put_object(Bucket=bucket, Key="incoming/b.txt", Body=b"x")
    wait_for(lambda: poller.poll_once() or recorder.events("QueueFunction"), timeout=10,
             interval=0)
    (event,) = recorder.events("QueueFunction")
    (s3_event,) = bodies(event)
    # Keys in S3 events are URL-encoded (moto even encodes "/"); consumers unquote_plus them.
    assert [unquote_plus(r["s3"]["object"]["key"]) for r in s3_event["Records"]] == [
        "incoming/b.txt"]
