"""Event filter patterns, as Lambda's FilterCriteria and EventBridge apply them. Pure.

A pattern is a JSON object whose leaves are arrays of matchers; an event
matches when every key of the pattern matches (keys AND, array items OR).
Matchers: exact values (string, number, boolean, null), {"prefix"},
{"suffix"}, {"equals-ignore-case"}, {"wildcard"}, {"anything-but"} (a value,
a list, or a prefix/suffix/equals-ignore-case), {"numeric"} (one or two
comparisons), {"exists"}; "$or" lists alternative sub-patterns. When the
event's value is an array, the leaf matches if any element does.
"""
from __future__ import annotations

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


def matches(pattern: dict, event: Any) -> bool:
    for key, sub in pattern.items():
        if key == "$or":
            if not isinstance(sub, list) or not any(matches(p, event) for p in sub):
                return False
            continue
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(sub, dict):
            if not _match_nested(sub, value):
                return False
        elif isinstance(sub, list):
            if not _match_leaf(sub, value):
                return False
        else:
            raise FilterError(f"pattern value for {key!r} must be an object or an array, "
                              f"got {sub!r}")
    return True


def _match_nested(pattern: dict, value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(v, dict) and matches(pattern, v) for v in value)
    if isinstance(value, dict):
        return matches(pattern, value)
    # A missing object still satisfies a pattern made only of exists:false leaves.
    return matches(pattern, {})


def _match_leaf(matchers: list, value: Any) -> bool:
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
        if any(_match_one(matcher, v) for v in values):
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


def _match_one(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return _equals(matcher, value)
    if len(matcher) != 1:
        raise FilterError(f"a matcher object has exactly one key: {matcher!r}")
    (kind, arg), = matcher.items()
    if kind == "anything-but":
        return _anything_but(arg, value)
    if kind == "numeric":
        return _is_number(value) and _numeric(arg, value)
    if not isinstance(value, str):
        if kind in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            return False
    if kind == "prefix":
        if isinstance(arg, dict):  # {"prefix": {"equals-ignore-case": "x"}}
            return value.lower().startswith(str(arg.get("equals-ignore-case", "")).lower())
        return value.startswith(arg)
    if kind == "suffix":
        if isinstance(arg, dict):
            return value.lower().endswith(str(arg.get("equals-ignore-case", "")).lower())
        return value.endswith(arg)
    if kind == "equals-ignore-case":
        return value.lower() == str(arg).lower()
    if kind == "wildcard":
        regex = ".*".join(re.escape(part) for part in str(arg).split("*"))
        return re.fullmatch(regex, value, re.DOTALL) is not None
    raise FilterError(f"unsupported filter matcher {kind!r}")


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, list):
        return not any(_equals(a, value) for a in arg)
    if isinstance(arg, dict):
        return not _match_one(arg, value)
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
