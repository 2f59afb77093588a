"""Reserved concurrency, locally: the queue of the function with the larger reservation
is drained first, and its mapping gets the larger share of pollers."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import boto3
import pytest

from portrait_local.event_sources import event_source_mappings
from portrait_local.resources import create_resources
from portrait_local.runtime import Invocation
from portrait_local.sqs_lanes import plan_lanes
from portrait_local.sqs_poller import SqsPoller
from portrait_local.template import Template

from .conftest import wait_for

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  StandardQueue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 5}}
  PriorityQueue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 5}}
  OtherQueue: {Type: AWS::SQS::Queue}
  Standard:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      ReservedConcurrentExecutions: 2
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt StandardQueue.Arn, BatchSize: 1}}
  Priority:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      ReservedConcurrentExecutions: 4
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt PriorityQueue.Arn, BatchSize: 1}}
  Unreserved:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: other/
      Handler: app.handler
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt OtherQueue.Arn}}
"""


@pytest.fixture(scope="module")
def lanes_template(tmp_path_factory, moto_endpoint) -> Template:
    path = Path(tmp_path_factory.mktemp("lanes")) / "template.yaml"
    path.write_text(TEMPLATE)
    template = Template.load(path, stack_name="lanes")
    create_resources(template, endpoint_url=moto_endpoint)
    return template


def test_lanes_follow_reserved_concurrency(lanes_template):
    lanes = plan_lanes(lanes_template, event_source_mappings(lanes_template), budget=4)
    assert [(lane.mapping.function_id, lane.reserved, lane.pollers) for lane in lanes] == [
        ("Priority", 4, 4), ("Standard", 2, 2), ("Unreserved", None, 1)]
    # Standard and Priority run the same code: lanes of one job. Unreserved waits for nobody.
    assert [[m.function_id for m in lane.yield_to] for lane in lanes] == [[], ["Priority"], []]


def test_the_priority_queue_is_drained_first(lanes_template, aws):
    lanes = {lane.mapping.function_id: lane for lane in plan_lanes(
        lanes_template, event_source_mappings(lanes_template), budget=4)}
    started: list[str] = []
    lock = threading.Lock()

    def invoke(function_id: str, event) -> Invocation:
        with lock:
            started.extend(function_id for _ in event["Records"])
        return Invocation(function_id, "req", 1.0, result={"batchItemFailures": []})

    pollers = {fid: SqsPoller(lanes[fid].mapping, aws("sqs"), "us-east-1", invoke,
                              report=lambda *a: None, wait_seconds=0,
                              yield_to=lanes[fid].yield_to)
               for fid in ("Standard", "Priority")}
    # The standard jobs are queued first: order of arrival does not beat priority.
    for fid in ("Standard", "Priority"):
        for n in range(4):
            aws("sqs").send_message(QueueUrl=pollers[fid].queue_url, MessageBody=json.dumps({"n": n}))
    assert pollers["Standard"].outranked() and not pollers["Priority"].outranked()

    stop = threading.Event()
    threads = [threading.Thread(target=p.run, args=(stop,), daemon=True) for p in pollers.values()]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(started) == 8, timeout=20, interval=0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    assert started[:4] == ["Priority"] * 4 and started[4:] == ["Standard"] * 4
    assert not pollers["Standard"].outranked()


def test_an_idle_yielding_lane_with_a_peek_asks_the_endpoint_nothing(lanes_template, aws):
    """The stack's lanes read backlogs where the queues live (in process); an empty queue
    then costs no request, and a message sent to it is still taken within a beat."""
    lanes = {lane.mapping.function_id: lane for lane in plan_lanes(
        lanes_template, event_source_mappings(lanes_template), budget=4)}
    http = SqsPoller(lanes["Priority"].mapping, aws("sqs"), "us-east-1", invoke=None)
    peeked: list[str] = []

    def peek(queue_url: str) -> int:  # the endpoint's own count, as the in-process read gives
        peeked.append(queue_url)
        return http.backlog(queue_url)

    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=aws("sqs").meta.endpoint_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    receives: list[str] = []
    sqs.meta.events.register("before-call.sqs.ReceiveMessage",
                             lambda **kwargs: receives.append("receive"))
    invoked: list[dict] = []

    def invoke(function_id: str, event) -> Invocation:
        invoked.extend(event["Records"])
        return Invocation(function_id, "req", 1.0, result={"batchItemFailures": []})

    standard = SqsPoller(lanes["Standard"].mapping, sqs, "us-east-1", invoke,
                         report=lambda *a: None, yield_to=lanes["Standard"].yield_to, peek=peek)
    stop = threading.Event()
    thread = threading.Thread(target=standard.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(peeked) >= 10, timeout=30, interval=0.05)
        assert receives == []  # looked at both queues again and again, asked nothing
        aws("sqs").send_message(QueueUrl=standard.queue_url, MessageBody="{}")
        wait_for(lambda: len(invoked) == 1, timeout=30, interval=0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert receives


def test_visible_messages_reads_the_in_process_queue_as_receive_sees_it():
    from moto import mock_aws

    from portrait_local.moto_server import visible_messages

    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        count = visible_messages("eu-west-1")
        assert count(url) == 0
        sqs.send_message(QueueUrl=url, MessageBody="a")
        sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=60)  # not visible yet
        assert count(url) == 1
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)  # in flight: not visible
        assert count(url) == 0
        assert count(url.replace("/jobs", "/gone")) == 0
