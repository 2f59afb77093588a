"""Rules from the template: AWS::Events::Rule targets and SAM EventBridgeRule events."""
from __future__ import annotations

import textwrap

from portrait_local.event_rules import rule_targets, sam_event_rules
from portrait_local.template import Template, load_yaml

TEMPLATE = textwrap.dedent("""
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Bus:
        Type: AWS::Events::EventBus
        Properties: {Name: orders}
      Failed:
        Type: AWS::SQS::Queue
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: worker/
          Handler: app.handler
          Events:
            Placed:
              Type: EventBridgeRule
              Properties:
                EventBusName: !Ref Bus
                Pattern: {source: [shop], detail-type: [order.placed]}
                InputPath: $.detail
                RetryPolicy: {MaximumRetryAttempts: "3", MaximumEventAgeInSeconds: 600}
                DeadLetterConfig: {Arn: !GetAtt Failed.Arn}
            Named:
              Type: EventBridgeRule
              Properties:
                RuleName: my-rule
                Pattern: '{"source": ["shop"]}'
                Target: {Id: mine}
                State: DISABLED
                DeadLetterConfig: {Type: SQS, QueueLogicalId: NamedDLQ}
            Made:
              Type: EventBridgeRule
              Properties:
                Pattern: {source: [shop]}
                DeadLetterConfig: {Type: SQS}
            Queue:
              Type: SQS
              Properties: {Queue: !GetAtt Failed.Arn}
""")


def template(tmp_path) -> Template:
    return Template(load_yaml(TEMPLATE), base_dir=tmp_path, stack_name="st", region="us-east-1",
                    account_id="123456789012")


def test_sam_eventbridge_rule_events_become_rules_as_sam_makes_them(tmp_path):
    rules = {rule.event_name: rule for rule in sam_event_rules(template(tmp_path))}
    assert sorted(rules) == ["Made", "Named", "Placed"]
    placed = rules["Placed"]
    assert (placed.name, placed.bus, placed.state) == ("st-WorkerPlaced", "orders", "ENABLED")
    assert placed.pattern == {"source": ["shop"], "detail-type": ["order.placed"]}
    assert placed.target == {
        "Id": "WorkerPlacedLambdaTarget",
        "Arn": "arn:aws:lambda:us-east-1:123456789012:function:st-Worker",
        "InputPath": "$.detail",
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:st-Failed"}}
    assert placed.created_dead_letter_queue is None
    named = rules["Named"]
    assert (named.name, named.bus, named.state, named.target["Id"]) == (
        "my-rule", "default", "DISABLED", "mine")
    assert named.created_dead_letter_queue == "st-NamedDLQ"
    assert "DeadLetterConfig" not in named.target  # the created queue's ARN is added later
    assert rules["Made"].created_dead_letter_queue == "st-WorkerMadeQueue"


def test_rule_targets_keep_every_delivery_setting():
    (target,) = rule_targets({"Targets": [{
        "Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q.fifo", "InputTransformer": {
            "InputPathsMap": {"a": "$.detail.a"}, "InputTemplate": "<a>"},
        "SqsParameters": {"MessageGroupId": "g"}, "DeadLetterConfig": {"Arn": "arn:dlq"},
        "RetryPolicy": {"MaximumRetryAttempts": "0"}, "EcsParameters": {"TaskCount": 1}}]})
    assert target == {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q.fifo", "InputTransformer": {
        "InputPathsMap": {"a": "$.detail.a"}, "InputTemplate": "<a>"},
        "SqsParameters": {"MessageGroupId": "g"}, "DeadLetterConfig": {"Arn": "arn:dlq"},
        "RetryPolicy": {"MaximumRetryAttempts": 0}}
