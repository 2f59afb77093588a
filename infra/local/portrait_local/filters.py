"""Event filter patterns, as Lambda's FilterCriteria and EventBridge apply them. Pure.

A pattern is a JSON object whose leaves are arrays of matchers; an event
matches when every key of the pattern matches (keys AND, array items OR).
Matchers: exact values (string, number, boolean, null), {"prefix"},
{"suffix"}, {"equals-ignore-case"}, {"wildcard"} ("*" any run, "\\*" a star),
{"anything-but"} (a value, a list, or a prefix/suffix/equals-ignore-case/
wildcard, each of which may list several), {"numeric"} (one or two
comparisons), {"exists"}; "$or" lists alternative sub-patterns. When the
event's value is an array, the leaf matches if any element does. EventBridge
alone also has {"cidr"} (IP address matching): `matches(..., eventbridge=True)`.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

_MISSING = object()
_NUMERIC_OPS = {
    "=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class FilterError(ValueError):
    """The pattern is not one Lambda or EventBridge would accept."""


def parse_filter_criteria(criteria: dict | None) -> list[dict]:
    """The patterns of a FilterCriteria property ({"Filters": [{"Pattern": "<json>"}]})."""
    patterns = []
    for item in (criteria or {}).get("Filters") or []:
        pattern = item["Pattern"]
        if isinstance(pattern, str):
            try:
                pattern = json.loads(pattern)
            except json.JSONDecodeError as exc:
                raise FilterError(f"filter pattern is not JSON: {pattern!r} ({exc})") from None
        if not isinstance(pattern, dict):
            raise FilterError(f"filter pattern must be a JSON object: {pattern!r}")
        patterns.append(pattern)
    return patterns


def matches_any(patterns: list[dict], event: Any) -> bool:
    """Lambda's rule: no filters lets everything through; otherwise any pattern may match."""
    return not patterns or any(matches(p, event) for p in patterns)


def matches(pattern: dict, event: Any, *, eventbridge: bool = False) -> bool:
    for key, sub in pattern.items():
        if key == "$or":
            if not isinstance(sub, list) or not any(
                    matches(p, event, eventbridge=eventbridge) for p in sub):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(sub, dict):
            if not _match_nested(sub, value, eventbridge):
                return False
        elif isinstance(sub, list):
            if not _match_leaf(sub, value, eventbridge):
                return False
        else:
            raise FilterError(f"pattern value for {key!r} must be an object or an array, "
                              f"got {sub!r}")
    return True


def _match_nested(pattern: dict, value: Any, eventbridge: bool) -> bool:
    if isinstance(value, list):
        return any(isinstance(v, dict) and matches(pattern, v, eventbridge=eventbridge)
                   for v in value)
    if isinstance(value, dict):
        return matches(pattern, value, eventbridge=eventbridge)
    # A missing object still satisfies a pattern made only of exists:false leaves.
    return matches(pattern, {}, eventbridge=eventbridge)


def _match_leaf(matchers: list, value: Any, eventbridge: bool) -> bool:
    if not matchers:
        raise FilterError("a pattern array must not be empty")
    values = value if isinstance(value, list) else [value]
    for matcher in matchers:
        if isinstance(matcher, dict) and "exists" in matcher:
            present = value is not _MISSING and not isinstance(value, dict)
            if present == bool(matcher["exists"]):
                return True
            continue
        if value is _MISSING:
            continue
        if any(_match_one(matcher, v, eventbridge) for v in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equals(expected: Any, value: Any) -> bool:
    if expected is None or isinstance(expected, bool):
        return value is expected
    if _is_number(expected):
        return _is_number(value) and float(value) == float(expected)
    return isinstance(value, str) and value == expected


_STRING_MATCHERS = ("prefix", "suffix", "equals-ignore-case", "wildcard")


def _match_one(matcher: Any, value: Any, eventbridge: bool = False) -> bool:
    if not isinstance(matcher, dict):
        return _equals(matcher, value)
    if len(matcher) != 1:
        raise FilterError(f"a matcher object has exactly one key: {matcher!r}")
    (kind, arg), = matcher.items()
    if kind == "anything-but":
        return _anything_but(arg, value, eventbridge)
    if kind == "numeric":
        return _is_number(value) and _numeric(arg, value)
    if kind == "cidr" and eventbridge:
        return _in_network(arg, value)
    if kind not in _STRING_MATCHERS:
        raise FilterError(f"unsupported filter matcher {kind!r}")
    # Each string matcher takes one string or (inside anything-but) a list of them.
    return isinstance(value, str) and any(
        _match_string(kind, a, value) for a in (arg if isinstance(arg, list) else [arg]))


def _match_string(kind: str, arg: Any, value: str) -> bool:
    if isinstance(arg, dict):  # {"prefix": {"equals-ignore-case": "x"}}, suffix likewise
        arg, value = str(arg.get("equals-ignore-case", "")).lower(), value.lower()
    if kind == "prefix":
        return value.startswith(arg)
    if kind == "suffix":
        return value.endswith(arg)
    if kind == "equals-ignore-case":
        return value.lower() == str(arg).lower()
    return re.fullmatch(_wildcard_regex(str(arg)), value, re.DOTALL) is not None


def _wildcard_regex(pattern: str) -> str:
    """The regex of a wildcard: * is any run of characters, \\* a star, \\\\ a backslash."""
    regex = []
    for part in re.findall(r"\\[*\\]|\*|[^*\\]+|\\", pattern):
        escaped = len(part) == 2 and part[0] == "\\"  # \* or \\: the character itself
        regex.append(".*" if part == "*" else re.escape(part[1] if escaped else part))
    return "".join(regex)


def _in_network(arg: Any, value: Any) -> bool:
    try:
        network = ipaddress.ip_network(str(arg), strict=False)
    except ValueError:
        raise FilterError(f"cidr wants a network such as 10.0.0.0/24, got {arg!r}") from None
    try:
        return isinstance(value, str) and ipaddress.ip_address(value) in network
    except ValueError:  # not an IP address: no match
        return False


def _anything_but(arg: Any, value: Any, eventbridge: bool) -> bool:
    if isinstance(arg, list):
        return not any(_equals(a, value) for a in arg)
    if isinstance(arg, dict):
        return not _match_one(arg, value, eventbridge)
    return not _equals(arg, value)


def _numeric(arg: list, value: float) -> bool:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        raise FilterError(f"numeric wants [op, n] or [op, n, op, n], got {arg!r}")
    for op, bound in zip(arg[::2], arg[1::2]):
        if op not in _NUMERIC_OPS or not _is_number(bound):
            raise FilterError(f"numeric: bad comparison {op!r} {bound!r}")
        if not _NUMERIC_OPS[op](value, bound):
            return False
    return True
