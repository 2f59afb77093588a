"""A tap on the local stack's event bus: every domain event, as a consumer receives it."""
from __future__ import annotations

import json
import time
import uuid

import pytest

DEADLINE = 120  # seconds: a busy two-core machine, and a worker's first cold start


class BusTap:
    """A rule of our own on the bus (put at run time, as any client may) feeding a queue:
    every domain event the stack publishes, as its consumers receive it."""

    def __init__(self, stack) -> None:
        self.sqs, events = stack.aws("sqs"), stack.aws("events")
        name = f"tap-{uuid.uuid4().hex[:8]}"
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        bus = stack.resources()["EventBus"]
        events.put_rule(Name=name, EventBusName=bus,
                        EventPattern=json.dumps({"source": ["portrait"]}))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
        self.seen: list[dict] = []

    def drain(self) -> list[dict]:
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=1).get("Messages", []):
            for message in batch:
                self.seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self.seen

    def wait_for(self, detail_type: str, stack, **detail) -> dict:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            for event in self.drain():
                if event["detail-type"] == detail_type and all(
                        event["detail"].get(k) == v for k, v in detail.items()):
                    return event
        pytest.fail(f"no {detail_type} {detail} on the bus within {DEADLINE} s; saw "
                    f"{[e['detail-type'] for e in self.seen]}\n{stack.output()[-3000:]}")

    def all_of(self, detail_type: str, **detail) -> list[dict]:
        """Every event of that type and those fields seen so far (duplicates included)."""
        return [event for event in self.drain() if event["detail-type"] == detail_type
                and all(event["detail"].get(k) == v for k, v in detail.items())]
