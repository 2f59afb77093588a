"""The template's event-pattern rules, created in moto as a deploy would create them.

AWS::Events::Rule resources are created by resources.py, their targets with every
delivery setting (rule_targets). SAM's EventBridgeRule function events become rules
here, as SAM expands them: one AWS::Events::Rule named <Function><Event> whose one
target is the function, and the dead-letter queue SAM makes for `DeadLetterConfig:
{Type: SQS}`. Delivery (event_delivery.py) reads the rules back from moto, so a rule
put through the API while the stack runs is live as well.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from portrait_local.template import Template

# What PutTargets takes of an AWS::Events::Rule target (the property names are the API's).
TARGET_PROPERTIES = ("Id", "Arn", "Input", "InputPath", "InputTransformer", "RoleArn",
                     "DeadLetterConfig", "RetryPolicy", "SqsParameters")
_SAM_TARGET_PROPERTIES = ("Input", "InputPath", "InputTransformer", "RetryPolicy")


def rule_targets(props: dict) -> list[dict]:
    return [api_target(target) for target in props.get("Targets") or []]


def api_target(target: dict) -> dict:
    """A target as PutTargets takes it."""
    shaped = {k: v for k, v in target.items() if k in TARGET_PROPERTIES}
    if "RetryPolicy" in shaped:  # CloudFormation takes "3" for an integer; PutTargets does not
        shaped["RetryPolicy"] = {k: int(v) for k, v in shaped["RetryPolicy"].items()}
    return shaped


@dataclass(frozen=True)
class SamEventRule:
    function_id: str
    event_name: str
    name: str
    bus: str
    pattern: Any  # a JSON object, or its text
    state: str
    target: dict  # PutTargets' shape, without the dead-letter queue SAM creates
    created_dead_letter_queue: str | None  # that queue's name, for DeadLetterConfig Type SQS


def sam_event_rules(template: Template) -> list[SamEventRule]:
    """Resolve after the buses and queues exist (a !Ref or !GetAtt names them)."""
    rules = []
    for fid, spec in template.functions().items():
        for event_name, event in spec.events.items():
            if event.get("Type") != "EventBridgeRule":
                continue
            props = template.resolve(event.get("Properties") or {})
            logical_id = f"{fid}{event_name}"  # the id SAM gives the rule it generates
            target = api_target({
                "Id": (props.get("Target") or {}).get("Id", f"{logical_id}LambdaTarget"),
                "Arn": template.get_att(fid, "Arn"),
                **{k: props[k] for k in _SAM_TARGET_PROPERTIES if k in props}})
            dead_letter = props.get("DeadLetterConfig") or {}
            created = None
            if dead_letter.get("Type") == "SQS":
                created = (f"{template.stack_name}-"
                           f"{dead_letter.get('QueueLogicalId') or logical_id + 'Queue'}")
            elif dead_letter.get("Arn"):
                target["DeadLetterConfig"] = {"Arn": dead_letter["Arn"]}
            rules.append(SamEventRule(
                function_id=fid, event_name=event_name,
                name=props.get("RuleName") or f"{template.stack_name}-{logical_id}"[:64],
                bus=props.get("EventBusName", "default"), pattern=props["Pattern"],
                state=props.get("State", "ENABLED"), target=target,
                created_dead_letter_queue=created))
    return rules


def put_sam_event_rule(rule: SamEventRule, client: Callable[[str], Any]) -> None:
    """Create (or update) the rule, its target and any dead-letter queue SAM would create."""
    target = dict(rule.target)
    if rule.created_dead_letter_queue:
        sqs = client("sqs")
        url = sqs.create_queue(QueueName=rule.created_dead_letter_queue)["QueueUrl"]
        target["DeadLetterConfig"] = {"Arn": sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]}
    pattern = rule.pattern if isinstance(rule.pattern, str) else json.dumps(rule.pattern)
    client("events").put_rule(Name=rule.name, EventBusName=rule.bus, EventPattern=pattern,
                              State=rule.state)
    client("events").put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[target])
