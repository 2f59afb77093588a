"""Reserved concurrency, locally: the queue of the function with the larger reservation
is drained first, and its mapping gets the larger share of pollers."""
from __future__ import annotations

import json
import threading
from pathlib import Path

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
