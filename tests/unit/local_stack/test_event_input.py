"""What a target receives: Input, InputPath and InputTransformer, as EventBridge renders them."""
from __future__ import annotations

import json

import pytest

from portrait_local.event_input import (
    InputError, TargetInput, json_path, predefined_variables, render)

EVENT = {
    "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
    "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-0123456789", "state": "RUNNING", "count": 3,
               "tags": {"team": "ops"}, "items": [{"n": 1}, {"n": 2}], "quote": 'say "hi"'},
}
PREDEFINED = predefined_variables(EVENT, "example", "arn:aws:events:us-east-1:1:rule/example",
                                  "2015-11-11T21:29:55Z")
PATHS = {"instance": "$.detail.instance-id", "state": "$.detail.state",
         "count": "$.detail.count", "tags": "$.detail.tags", "gone": "$.detail.nothing"}


def shaped(template: str, paths: dict | None = None) -> TargetInput:
    return render({"InputTransformer": {"InputPathsMap": PATHS if paths is None else paths,
                                        "InputTemplate": template}}, EVENT, PREDEFINED)


@pytest.mark.parametrize("path, expected", [
    ("$", EVENT),
    ("$.detail.state", "RUNNING"),
    ("$.detail-type", "EC2 Instance State-change Notification"),
    ("$['detail']['instance-id']", "i-0123456789"),
    ("$.resources[0]", "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"),
    ("$.detail.items[1].n", 2),
    ("$.detail.items[*].n", [1, 2]),
    ("$.detail.tags.*", ["ops"]),
])
def test_json_path(path, expected):
    assert json_path(EVENT, path) == expected


def test_json_path_refuses_what_eventbridge_does_not_take():
    with pytest.raises(InputError):
        json_path(EVENT, "detail.state")
    with pytest.raises(InputError):
        json_path(EVENT, "$.detail[?(@.n > 1)]")


def test_the_whole_event_by_default_minified():
    result = render({"Id": "t", "Arn": "arn"}, EVENT, PREDEFINED)
    assert result.payload == EVENT
    assert result.body == json.dumps(EVENT, separators=(",", ":"))


def test_input_is_a_constant_and_input_path_a_part():
    assert render({"Input": '{"job": "nightly"}'}, EVENT, PREDEFINED) == TargetInput(
        {"job": "nightly"}, '{"job":"nightly"}')
    assert render({"InputPath": "$.detail.tags"}, EVENT, PREDEFINED) == TargetInput(
        {"team": "ops"}, '{"team":"ops"}')
    assert render({"InputPath": "$.detail.nothing"}, EVENT, PREDEFINED).body == "null"


def test_json_template_variables_as_values_and_inside_strings():
    result = shaped('{"instance": <instance>, "count": <count>, "tags": <tags>, '
                    '"status": "instance \\"<instance>\\" is in <state>", "both": "<tags>"}')
    assert result.payload == {"instance": "i-0123456789", "count": 3, "tags": {"team": "ops"},
                              "status": 'instance "i-0123456789" is in RUNNING',
                              "both": "{team:ops}"}  # an object in a string loses its quotes
    assert result.body == json.dumps(result.payload, separators=(",", ":"))


def test_json_template_mixing_static_values_and_arrays():
    assert shaped('{"instance": <instance>, "state": [9, <state>, true], "t": "Yes"}').payload == {
        "instance": "i-0123456789", "state": [9, "RUNNING", True], "t": "Yes"}
    assert shaped('[<count>, "<count>"]').payload == [3, "3"]


def test_a_missing_path_is_empty():
    assert shaped('{"value": <gone>, "text": "[<gone>]"}').payload == {"value": None,
                                                                       "text": "[]"}


def test_string_values_are_escaped_inside_json_strings():
    result = shaped('{"said": "<quote>", "raw": <quote>}', {"quote": "$.detail.quote"})
    assert result.payload == {"said": 'say "hi"', "raw": 'say "hi"'}


def test_predefined_variables():
    result = shaped('{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name> fired", '
                    '"at": <aws.events.event.ingestion-time>, "event": <aws.events.event>, '
                    '"json": <aws.events.event.json>}', {})
    assert result.payload["arn"] == "arn:aws:events:us-east-1:1:rule/example"
    assert result.payload["name"] == "example fired"
    assert result.payload["at"] == "2015-11-11T21:29:55Z"
    assert "detail" not in result.payload["event"] and result.payload["event"]["id"] == EVENT["id"]
    assert result.payload["json"] == EVENT


def test_text_templates_unquote_each_line():
    assert shaped('"instance <instance> is in <state>"') == TargetInput(
        "instance i-0123456789 is in RUNNING", "instance i-0123456789 is in RUNNING")
    assert shaped('"instance \\"<instance>\\" is in <state>"').body == (
        'instance "i-0123456789" is in RUNNING')
    assert shaped('"Instance <instance>"\n""\n"State: <state>"').body == (
        "Instance i-0123456789\n\nState: RUNNING")
    assert shaped("<instance> is in state <state>").body == "i-0123456789 is in state RUNNING"


def test_undeclared_placeholders_stay_and_broken_json_is_an_input_error():
    assert shaped('"<b>bold</b> <state>"').body == "<b>bold</b> RUNNING"
    with pytest.raises(InputError, match="did not make JSON"):
        shaped('{"a": <undeclared>}')
    with pytest.raises(InputError, match="Input is not JSON"):
        render({"Input": "{not json"}, EVENT, PREDEFINED)
