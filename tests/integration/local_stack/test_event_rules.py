"""EventBridge rules delivered by the running stack: `portrait dev` on a copy of the fixture
template with one rule added (and nothing else changed), events put with boto3."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from portrait_local.running import restore_attributes
from portrait_local.template import Template

from .conftest import FIXTURE_DIR, FIXTURE_TEMPLATE, ROOT, Recorder, wait_for

PORTRAIT = Path(sys.executable).parent / "portrait"
DEADLINE = 60  # seconds: generous, the machine may be busy
ADDED_RULE = """
  AddedQueue:
    Type: AWS::SQS::Queue

  AddedRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref EventBus
      EventPattern:
        source: [fixture.added]
        detail:
          colour: [{prefix: bl}]
      Targets:
        - Id: added
          Arn: !GetAtt AddedQueue.Arn
"""


class RunningStack:
    def __init__(self, state: dict, template: Template, output: Path) -> None:
        self.state, self.template, self.output = state, template, output
        self._clients: dict[str, Any] = {}
        self.recorder = Recorder(self.client, template)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, region_name="us-east-1", endpoint_url=self.state["endpoint_url"],
                aws_access_key_id="testing", aws_secret_access_key="testing")
        return self._clients[service]

    def put(self, detail_type: str, detail: dict, source: str = "fixture.orders",
            bus: str | None = None) -> str:
        reply = self.client("events").put_events(Entries=[{
            "EventBusName": bus or self.template.physical_id("EventBus"), "Source": source,
            "DetailType": detail_type, "Detail": json.dumps(detail)}])
        assert reply["FailedEntryCount"] == 0, reply
        return reply["Entries"][0]["EventId"]

    def messages(self, queue_id: str, marker: str, count: int = 1) -> list[dict]:
        """Wait for `count` messages holding `marker` in `queue_id`; returns them (deleted)."""
        url = self.template.physical_id(queue_id)
        found: list[dict] = []

        def collect() -> bool:
            for message in self.client("sqs").receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                    MessageAttributeNames=["All"]).get("Messages", []):
                if marker in message["Body"]:
                    found.append(message)
                    self.client("sqs").delete_message(QueueUrl=url,
                                                      ReceiptHandle=message["ReceiptHandle"])
            return len(found) >= count
        wait_for(collect, timeout=DEADLINE)
        return found

    def recorded(self, marker: str, count: int = 1) -> list:
        """Wait until EventsFunction has received `count` events holding `marker`."""
        def received() -> list:
            hits = [e for e in self.recorder.events("EventsFunction") if marker in json.dumps(e)]
            return hits if len(hits) >= count else []
        return wait_for(received, timeout=DEADLINE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> RunningStack:
    root = tmp_path_factory.mktemp("event-rules")
    copy = root / "fixture"
    shutil.copytree(FIXTURE_DIR, copy, ignore=shutil.ignore_patterns(".portrait", "__pycache__"))
    (copy / "template.yaml").write_text(FIXTURE_TEMPLATE.read_text() + ADDED_RULE)
    state_dir, output = root / "state", root / "dev.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with output.open("w") as out:
        process = subprocess.Popen(
            [str(PORTRAIT), "dev", "--template", str(copy / "template.yaml"), "--port", "0",
             "--moto-port", "0", "--state-dir", str(state_dir)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_for(lambda: process.poll() is not None or "ready in" in output.read_text(),
                 timeout=120)
        assert process.poll() is None, output.read_text()
        state = json.loads((state_dir / "local.json").read_text())
        template = Template.load(copy / "template.yaml", stack_name=state["stack_name"])
        restore_attributes(template, state)
        yield RunningStack(state, template, output)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_rule_added_to_the_template_is_live_with_no_other_change(stack):
    assert "AddedRule" not in FIXTURE_TEMPLATE.read_text()  # only the copy has it
    marker = uuid.uuid4().hex
    stack.put("anything", {"colour": "red", "marker": marker}, source="fixture.added")
    event_id = stack.put("anything", {"colour": "blue", "marker": marker},
                         source="fixture.added")
    (message,) = stack.messages("AddedQueue", marker)
    event = json.loads(message["Body"])
    assert event["id"] == event_id and event["detail"]["colour"] == "blue"


def test_a_matching_event_reaches_the_queue_as_eventbridge_sends_it(stack):
    marker = uuid.uuid4().hex
    detail = {"id": marker, "total": 150, "lines": [{"sku": "a-1"}]}
    event_id = stack.put("order.placed", detail)
    (message,) = stack.messages("OrdersQueue", marker)
    event = json.loads(message["Body"])
    EventBridgeModel.model_validate(event)
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region",
                          "resources", "detail"}
    assert (event["version"], event["id"], event["detail-type"], event["source"]) == (
        "0", event_id, "order.placed", "fixture.orders")
    assert (event["account"], event["region"], event["resources"]) == (
        "123456789012", "us-east-1", [])
    assert event["time"].endswith("Z") and len(event["time"]) == len("2030-01-01T00:00:00Z")
    assert event["detail"] == detail


def test_an_event_that_does_not_match_is_not_delivered(stack):
    small, other, matching = (uuid.uuid4().hex for _ in range(3))
    stack.put("order.placed", {"id": small, "total": 50})  # total is not > 100
    stack.put("order.cancelled", {"id": other, "total": 500})  # another detail-type
    stack.put("order.placed", {"id": matching, "total": 101})
    # The rules are matched when PutEvents is answered, so once the last event is
    # delivered, the two before it would have been too, had they matched.
    stack.messages("OrdersQueue", matching)
    stack.recorded(matching)
    leftovers = stack.client("sqs").receive_message(
        QueueUrl=stack.template.physical_id("OrdersQueue"), MaxNumberOfMessages=10,
        WaitTimeSeconds=1).get("Messages", [])
    assert not [m for m in leftovers if small in m["Body"] or other in m["Body"]]
    recorded = json.dumps(stack.recorder.events("EventsFunction"))
    assert small not in recorded and other not in recorded


def test_input_path_and_input_transformer_shape_what_the_targets_get(stack):
    marker = uuid.uuid4().hex
    detail = {"id": marker, "total": 250, "lines": [{"sku": "a-1"}, {"sku": "b-2"}]}
    stack.put("order.placed", detail)
    bodies = [json.loads(m["Body"]) for m in stack.messages("ShapedQueue", marker, count=2)]
    summary = {"order": marker, "total": 250, "lines": detail["lines"],
               "text": f"order {marker} of 250", "rule": "portrait-local-OrderPlacedRule"}
    assert sorted(bodies, key=len) == sorted([detail, summary], key=len)


def test_function_targets_of_a_rule_and_of_a_sam_event_are_invoked(stack):
    placed, shipped = uuid.uuid4().hex, uuid.uuid4().hex
    stack.put("order.placed", {"id": placed, "total": 300})
    shipped_id = stack.put("order.shipped", {"id": shipped})
    (from_rule,) = stack.recorded(placed)  # the rule's target has InputPath $.detail
    assert from_rule == {"id": placed, "total": 300}
    (from_sam_event,) = stack.recorded(shipped)  # the SAM event gets the whole event
    EventBridgeModel.model_validate(from_sam_event)
    assert from_sam_event["id"] == shipped_id and from_sam_event["detail"] == {"id": shipped}
    targets = stack.client("events").list_targets_by_rule(
        Rule="portrait-local-EventsFunctionShipped",
        EventBusName=stack.template.physical_id("EventBus"))["Targets"]
    assert targets == [{
        "Id": "EventsFunctionShippedLambdaTarget",
        "Arn": stack.template.get_att("EventsFunction", "Arn"),
        "RetryPolicy": {"MaximumRetryAttempts": 3},
        "DeadLetterConfig": {  # the queue SAM creates for DeadLetterConfig {Type: SQS}
            "Arn": "arn:aws:sqs:us-east-1:123456789012:portrait-local-EventsFunctionShippedQueue"},
    }]


def test_a_failing_function_is_retried_twice_then_its_event_is_dead_lettered(stack):
    marker = uuid.uuid4().hex
    event_id = stack.put("order.shipped", {"id": marker, "fail": True})
    (message,) = stack.messages("EventsDeadLetterQueue", marker)
    assert json.loads(message["Body"])["id"] == event_id
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "failure requested"
    attempts = stack.recorded(marker, count=3)
    assert len(attempts) == 3 and all(a["id"] == event_id for a in attempts)
    wait_for(lambda: "gave up; sent to portrait-local-EventsDeadLetterQueue"
             in stack.output.read_text(), timeout=DEADLINE)


def test_a_target_that_does_not_exist_sends_the_event_to_the_rules_dead_letter_queue(stack):
    marker = uuid.uuid4().hex
    event_id = stack.put("order.placed", {"id": marker, "total": 999})
    (message,) = stack.messages("RuleDeadLetterQueue", marker)
    assert json.loads(message["Body"])["id"] == event_id
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "ResourceNotFoundException"
    assert attributes["TARGET_ARN"].endswith(":function:fixture-missing")
    assert attributes["RULE_ARN"].endswith("rule/fixture-test-bus/portrait-local-OrderPlacedRule")


def test_rules_put_through_the_api_are_live_and_schedules_take_no_events(stack):
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName=f"runtime-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    events.put_rule(Name="runtime-rule", EventPattern=json.dumps({"source": ["fixture.api"]}))
    events.put_targets(Rule="runtime-rule", Targets=[{"Id": "q", "Arn": arn,
                                                      "Input": '{"constant": true}'}])
    # The default bus also holds the schedules' rules (function targets, no pattern):
    # moto would hand them this event and fail the call; EventBridge never does.
    stack.put("ping", {"n": 1}, source="fixture.api", bus="default")
    body = wait_for(lambda: [m["Body"] for m in sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])], timeout=DEADLINE)
    assert body == ['{"constant":true}']
    assert "ScheduledFunction" not in stack.output.read_text()
