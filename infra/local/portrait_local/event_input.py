"""What an EventBridge target receives: the matched event, or what its Input, InputPath
or InputTransformer makes of it. Pure.

Paths are EventBridge's JSONPath subset: $, .name, ['name'], [index], and the
wildcards .* and [*] (which give the list of what they reach). An InputTemplate
that is a JSON object or array takes each <variable> as JSON where it stands as a
value (a string is quoted) and as text inside a string (an object or array loses its
quotes there, as EventBridge does); any other template is text, each line a quoted
string. A variable whose path is not in the event is empty: null as a value, nothing
in a string. Predefined: aws.events.rule-arn, aws.events.rule-name,
aws.events.event.ingestion-time, aws.events.event (without detail) and
aws.events.event.json (the whole event).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_MISSING = object()
_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]|\[(\*)\]")
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
_VARIABLE = re.compile(r"<([^<>\s\"]+)>")


class InputError(ValueError):
    """The target's input settings cannot shape this event (EventBridge fails the delivery)."""


@dataclass(frozen=True)
class TargetInput:
    payload: Any  # what a function gets as its event
    body: str  # what a queue gets as the message body


def compact(value: Any) -> str:
    """JSON as EventBridge sends it: minified."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_path(document: Any, path: str) -> Any:
    """The value at `path`, a list of values for a wildcard path, or _MISSING."""
    if not path.startswith("$"):
        raise InputError(f"a JSONPath starts with $: {path!r}")
    nodes, rest, wildcard = [document], path[1:], False
    while rest:
        step = _PATH_STEP.match(rest)
        if step is None:
            raise InputError(f"unsupported JSONPath {path!r}")
        name = next((g for g in (step.group(1), step.group(3), step.group(4)) if g is not None),
                    None)
        star = step.group(5) is not None or name == "*"
        wildcard |= star
        nodes = [child for node in nodes for child in _children(node, name, step.group(2), star)]
        rest = rest[step.end():]
    if wildcard:
        return nodes
    return nodes[0] if nodes else _MISSING


def _children(node: Any, name: str | None, index: str | None, star: bool) -> list:
    if star:
        return list(node.values()) if isinstance(node, dict) else (
            list(node) if isinstance(node, list) else [])
    if index is not None:
        return [node[int(index)]] if isinstance(node, list) and int(index) < len(node) else []
    return [node[name]] if isinstance(node, dict) and name in node else []


def predefined_variables(event: dict, rule_name: str, rule_arn: str,
                         ingestion_time: str) -> dict[str, Any]:
    return {"aws.events.rule-arn": rule_arn, "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": ingestion_time,
            "aws.events.event": {k: v for k, v in event.items() if k != "detail"},
            "aws.events.event.json": event}


def render(target: dict, event: dict, predefined: dict[str, Any]) -> TargetInput:
    """The target's input for `event` (`predefined`: predefined_variables' answer)."""
    if target.get("Input") is not None:
        try:
            payload = json.loads(target["Input"])
        except ValueError:
            raise InputError(f"Input is not JSON: {target['Input']!r}") from None
        return TargetInput(payload, compact(payload))
    if target.get("InputPath"):
        value = json_path(event, target["InputPath"])
        value = None if value is _MISSING else value
        return TargetInput(value, compact(value))
    if target.get("InputTransformer"):
        return transform(target["InputTransformer"], event, predefined)
    return TargetInput(event, compact(event))


def transform(transformer: dict, event: dict, predefined: dict[str, Any]) -> TargetInput:
    variables = dict(predefined)
    for name, path in (transformer.get("InputPathsMap") or {}).items():
        variables[name] = json_path(event, path)
    template = str(transformer.get("InputTemplate", ""))
    if template.strip()[:1] in ("{", "["):
        text = _fill_json(template, variables)
        try:
            payload = json.loads(text)
        except ValueError:
            raise InputError(f"InputTemplate did not make JSON: {text}") from None
        return TargetInput(payload, compact(payload))
    text = "\n".join(_text_line(line, variables) for line in template.strip().splitlines())
    return TargetInput(text, text)


def _fill_json(template: str, variables: dict[str, Any]) -> str:
    """Variables as JSON values outside string literals, as escaped text inside them."""
    pieces, end = [], 0
    for literal in _STRING_LITERAL.finditer(template):
        pieces.append(_substitute(template[end:literal.start()], variables, _as_json))
        pieces.append(_substitute(literal.group(), variables,
                                  lambda v: json.dumps(_as_text(v), ensure_ascii=False)[1:-1]))
        end = literal.end()
    pieces.append(_substitute(template[end:], variables, _as_json))
    return "".join(pieces)


def _text_line(line: str, variables: dict[str, Any]) -> str:
    """One line of a text template: a quoted string is unquoted (its escapes decoded)."""
    line = line.strip()
    if len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        return _substitute(line, variables, _as_text)
    pieces, end = [], 0
    inner = line[1:-1]
    for variable in _VARIABLE.finditer(inner):
        if variable.group(1) in variables:
            pieces.append(_unescape(inner[end:variable.start()]))
            pieces.append(_as_text(variables[variable.group(1)]))
            end = variable.end()
    pieces.append(_unescape(inner[end:]))
    return "".join(pieces)


def _unescape(text: str) -> str:
    try:
        return json.loads(f'"{text}"')
    except ValueError:
        return text


def _substitute(text: str, variables: dict[str, Any], show) -> str:
    # An undeclared <name> is left as written (EventBridge refuses it at PutTargets).
    return _VARIABLE.sub(lambda m: show(variables[m.group(1)]) if m.group(1) in variables
                         else m.group(0), text)


def _as_json(value: Any) -> str:
    return "null" if value is _MISSING else compact(value)


def _as_text(value: Any) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return compact(value).replace('"', "")
    return compact(value)
