"""Routing put events to rule targets, and Lambda's asynchronous retries (AWS faked)."""
from __future__ import annotations

import json
import textwrap
import time
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from portrait_local.event_delivery import BusRule, EventDelivery
from portrait_local.lambda_async import async_configs
from portrait_local.runtime import Invocation
from portrait_local.template import Template, load_yaml

ACCOUNT = "123456789012"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-dlq"
FUNCTION_DLQ = f"arn:aws:sqs:us-east-1:{ACCOUNT}:worker-dlq"
FAILURES = f"arn:aws:sqs:us-east-1:{ACCOUNT}:worker-failures"
TEMPLATE = textwrap.dedent(f"""
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: worker/
          Handler: app.handler
          DeadLetterQueue: {{Type: SQS, TargetArn: "{FUNCTION_DLQ}"}}
      Patient:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: patient/
          Handler: app.handler
          EventInvokeConfig:
            MaximumRetryAttempts: 0
            DestinationConfig:
              OnFailure: {{Type: SQS, Destination: "{FAILURES}"}}
      Plain:
        Type: AWS::Lambda::Function
        Properties:
          Code: plain/
          Handler: app.handler
      PlainInvokeConfig:
        Type: AWS::Lambda::EventInvokeConfig
        Properties:
          FunctionName: !Ref Plain
          Qualifier: $LATEST
          MaximumRetryAttempts: 1
""")
EVENT = {"version": "0", "id": "e-1", "detail-type": "order.placed", "source": "shop",
         "account": ACCOUNT, "time": "2030-05-06T00:00:00Z", "region": "us-east-1",
         "resources": [], "detail": {"total": 150}}


@pytest.fixture
def template(tmp_path) -> Template:
    return Template(load_yaml(TEMPLATE), base_dir=tmp_path, stack_name="t", region="us-east-1",
                    account_id=ACCOUNT)


class FakeSqs:
    def __init__(self, *names: str, failures: int = 0) -> None:
        self.names, self.failures, self.sent = set(names), failures, []

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str) -> dict:
        if QueueName not in self.names:
            raise ClientError({"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue"}},
                              "GetQueueUrl")
        return {"QueueUrl": f"https://sqs/{QueueOwnerAWSAccountId}/{QueueName}"}

    def send_message(self, **kwargs: Any) -> dict:
        if self.failures:
            self.failures -= 1
            raise EndpointConnectionError(endpoint_url="https://sqs")
        self.sent.append(kwargs)
        return {"MessageId": str(len(self.sent))}

    def bodies(self, name: str) -> list:
        return [json.loads(m["MessageBody"]) for m in self.sent if m["QueueUrl"].endswith(name)]


class FakeFunctions:
    """Fails the first `failures` invocations of each function."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.calls = failures, []

    def __call__(self, function_id: str, event: Any) -> Invocation:
        self.calls.append((function_id, event))
        if sum(1 for fid, _ in self.calls if fid == function_id) <= self.failures:
            return Invocation(function_id, f"r{len(self.calls)}", 1.0,
                              error={"errorType": "RuntimeError", "errorMessage": "boom"})
        return Invocation(function_id, f"r{len(self.calls)}", 1.0, result={"ok": True})


def wait_for(predicate: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)
    return value


def rule(name: str = "r", pattern: dict | None = None, *targets: dict,
         enabled: bool = True) -> BusRule:
    return BusRule(name, f"arn:aws:events:us-east-1:{ACCOUNT}:rule/bus/{name}",
                   pattern if pattern is not None else {"source": ["shop"]}, enabled,
                   list(targets))


def delivery(template: Template, buses: dict[str, list[BusRule]], reports: list,
             ) -> EventDelivery:
    return EventDelivery(template, rules=lambda account, region, bus: buses.get(bus),
                         report=lambda *line: reports.append(line))


def test_matching_enabled_rules_send_to_their_queues(template):
    sqs, reports = FakeSqs("orders"), []
    events = delivery(template, {"bus": [
        rule("match", None, {"Id": "a", "Arn": QUEUE},
             {"Id": "b", "Arn": QUEUE, "InputPath": "$.detail"}),
        rule("other", {"source": ["elsewhere"]}, {"Id": "c", "Arn": QUEUE}),
        rule("off", None, {"Id": "d", "Arn": QUEUE}, enabled=False),
        BusRule("hourly", "arn:rule/hourly", None, True, [{"Id": "e", "Arn": QUEUE}]),
    ]}, reports)
    try:
        assert events.publish("bus", EVENT) == 2  # before start: kept, not lost
        events.start(sqs, None)
        wait_for(lambda: len(sqs.sent) == 2)
    finally:
        events.stop()
    assert sorted(sqs.bodies("orders"), key=len) == [{"total": 150}, EVENT]
    assert events.publish("nowhere", EVENT) == 0
    assert reports[-1][-1] == "no such event bus: event dropped"


def test_a_missing_queue_or_function_goes_to_the_dead_letter_queue_at_once(template):
    sqs, reports = FakeSqs("orders-dlq"), []
    missing_function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:nope"
    events = delivery(template, {"bus": [rule(
        "r", None, {"Id": "q", "Arn": QUEUE, "DeadLetterConfig": {"Arn": DLQ}},
        {"Id": "f", "Arn": missing_function, "DeadLetterConfig": {"Arn": DLQ}},
        {"Id": "lost", "Arn": missing_function})]}, reports)
    events.start(sqs, FakeFunctions())
    try:
        events.publish("bus", EVENT)
        wait_for(lambda: len(sqs.sent) == 2 and len(reports) == 3)
    finally:
        events.stop()
    assert sqs.bodies("orders-dlq") == [EVENT, EVENT]
    attributes = {m["MessageAttributes"]["TARGET_ARN"]["StringValue"]:
                  {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
                  for m in sqs.sent}
    assert attributes[QUEUE]["ERROR_CODE"] == "ResourceNotFoundException"
    assert attributes[missing_function] == {
        "RULE_ARN": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/bus/r",
        "TARGET_ARN": missing_function, "ERROR_CODE": "ResourceNotFoundException",
        "ERROR_MESSAGE": f"Function not found: {missing_function}", "RETRY_ATTEMPTS": "0"}
    assert any(line[-1].endswith("; dropped") for line in reports)


def test_failed_sends_are_retried_by_the_retry_policy(template):
    sqs, reports = FakeSqs("orders", "orders-dlq", failures=1), []
    events = delivery(template, {"bus": [rule("r", None, {"Id": "q", "Arn": QUEUE})],
                                 "strict": [rule("s", None, {
                                     "Id": "q", "Arn": QUEUE, "DeadLetterConfig": {"Arn": DLQ},
                                     "RetryPolicy": {"MaximumRetryAttempts": 0}})]}, reports)
    events.start(sqs, None)
    try:
        events.publish("bus", EVENT)
        wait_for(lambda: sqs.bodies("orders") == [EVENT])  # the second try went through
        sqs.failures = 1
        events.publish("strict", EVENT)
        wait_for(lambda: sqs.bodies("orders-dlq"))
    finally:
        events.stop()
    attributes = sqs.sent[-1]["MessageAttributes"]
    assert attributes["EXHAUSTED_RETRY_CONDITION"]["StringValue"] == "MaximumRetryAttempts"
    assert attributes["ERROR_CODE"]["StringValue"] == "InternalException"


def test_function_targets_are_invoked_asynchronously_with_retries_then_dead_lettered(template):
    sqs, reports, functions = FakeSqs("worker-dlq", "worker-failures"), [], FakeFunctions(9)
    worker, patient = (template.get_att(fid, "Arn") for fid in ("Worker", "Patient"))
    events = delivery(template, {"bus": [rule("r", None, {"Id": "w", "Arn": worker},
                                              {"Id": "p", "Arn": f"{patient}:$LATEST",
                                               "InputPath": "$.detail"})]}, reports)
    events.start(sqs, functions, delays=(0, 0))
    try:
        events.publish("bus", EVENT)
        wait_for(lambda: len(sqs.sent) == 2)
    finally:
        events.stop()
    assert [fid for fid, _ in functions.calls].count("Worker") == 3  # two retries
    assert [call for call in functions.calls if call[0] == "Patient"] == [
        ("Patient", {"total": 150})]  # MaximumRetryAttempts 0
    (dead,) = [m for m in sqs.sent if m["QueueUrl"].endswith("worker-dlq")]
    assert json.loads(dead["MessageBody"]) == EVENT
    attributes = {k: (v["DataType"], v["StringValue"])
                  for k, v in dead["MessageAttributes"].items()}
    assert attributes.pop("RequestID")[1].startswith("r")
    assert attributes == {"ErrorCode": ("Number", "200"), "ErrorMessage": ("String", "boom")}
    (record,) = sqs.bodies("worker-failures")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"total": 150}
    assert record["responsePayload"] == {"errorType": "RuntimeError", "errorMessage": "boom"}
    outcomes = [line[-1] for line in reports if line[0] == "Worker"]
    assert outcomes[0].endswith("(retry 1 of 2 follows)")
    assert outcomes[-1].endswith("gave up; sent to worker-dlq")


def test_a_function_that_recovers_is_not_dead_lettered(template):
    sqs, reports, functions = FakeSqs("worker-dlq"), [], FakeFunctions(1)
    events = delivery(template, {"bus": [rule("r", None, {
        "Id": "w", "Arn": template.get_att("Worker", "Arn")})]}, reports)
    events.start(sqs, functions, delays=(0, 0))
    try:
        events.publish("bus", EVENT)
        wait_for(lambda: any(line[-1] == "ok" for line in reports))
    finally:
        events.stop()
    assert len(functions.calls) == 2 and sqs.sent == []


def test_a_bus_target_puts_the_event_on_that_bus(template):
    sqs, reports = FakeSqs("orders"), []
    events = delivery(template, {
        "first": [rule("forward", None, {
            "Id": "b", "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/second"})],
        "second": [rule("r", None, {"Id": "q", "Arn": QUEUE})]}, reports)
    events.start(sqs, None)
    try:
        events.publish("first", EVENT)
        wait_for(lambda: sqs.bodies("orders") == [EVENT])
    finally:
        events.stop()


def test_asynchronous_invocation_settings_come_from_the_template(template):
    configs = async_configs(template)
    assert (configs["Worker"].retries, configs["Worker"].dead_letter_queue) == (2, FUNCTION_DLQ)
    assert (configs["Patient"].retries, configs["Patient"].on_failure) == (0, FAILURES)
    assert configs["Plain"].retries == 1  # from the AWS::Lambda::EventInvokeConfig resource
