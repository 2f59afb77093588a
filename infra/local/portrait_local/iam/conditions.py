"""A statement's Condition block, evaluated as IAM does - or refused.

Operators: the String*, Arn*, Numeric*, Bool and Null families, with the ForAnyValue: /
ForAllValues: set qualifiers and the IfExists suffix. Within one operator every key
must hold (AND); a key holds when the request's value matches any of the listed values
(OR), and a negated operator (StringNotEquals, ...) when it matches none of them. A key
the request does not carry fails a positive operator and satisfies a negated one, as in
AWS, unless IfExists says "only if present".

What cannot be evaluated is never treated as true: an operator outside these families
(dates, IP addresses, binary) or a context key the request mapping does not know how to
set for this request raises UnsupportedCondition, and the request is denied saying so.
"""
from __future__ import annotations

import re
from typing import Callable

# Keys every request carries (authorizer.global_context sets them; actions.py and
# s3_actions.py the request-specific ones).
GLOBAL_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:principaltype",
                         "aws:requestedregion", "aws:securetransport", "aws:currenttime",
                         "aws:epochtime"})


class UnsupportedCondition(Exception):
    """A condition the local check cannot evaluate."""


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) \
        is not None


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike compares the six colon-separated parts one by one."""
    wanted, actual = pattern.split(":", 5), value.split(":", 5)
    return len(wanted) == len(actual) and all(_glob(w, a) for w, a in zip(wanted, actual))


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UnsupportedCondition(f"{text!r} is not a number") from None


# operator -> (matches(policy value, request value), negated)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (lambda p, v: p == v, False),
    "stringnotequals": (lambda p, v: p == v, True),
    "stringequalsignorecase": (lambda p, v: p.lower() == v.lower(), False),
    "stringnotequalsignorecase": (lambda p, v: p.lower() == v.lower(), True),
    "stringlike": (_glob, False),
    "stringnotlike": (_glob, True),
    "arnequals": (lambda p, v: p == v, False),
    "arnnotequals": (lambda p, v: p == v, True),
    "arnlike": (_arn_like, False),
    "arnnotlike": (_arn_like, True),
    "numericequals": (lambda p, v: _number(p) == _number(v), False),
    "numericnotequals": (lambda p, v: _number(p) == _number(v), True),
    "numericlessthan": (lambda p, v: _number(v) < _number(p), False),
    "numericlessthanequals": (lambda p, v: _number(v) <= _number(p), False),
    "numericgreaterthan": (lambda p, v: _number(v) > _number(p), False),
    "numericgreaterthanequals": (lambda p, v: _number(v) >= _number(p), False),
    "bool": (lambda p, v: p.lower() == v.lower(), False),
}


def conditions_hold(block: dict, context: dict[str, list[str]],
                    known_keys: frozenset[str] = frozenset()) -> bool:
    """Whether every condition of a statement holds for a request with this context
    (keys lowercase). Raises UnsupportedCondition rather than guess."""
    known = GLOBAL_KEYS | {k.lower() for k in known_keys} | {k.lower() for k in context}
    values_of = {k.lower(): v for k, v in context.items()}
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            raise UnsupportedCondition(f"{operator} needs a map of keys to values")
        for key, wanted in keys.items():
            if key.lower() not in known:
                raise UnsupportedCondition(f"the context key {key} is not set locally for "
                                           "this request")
            wanted = [str(w).lower() if isinstance(w, bool) else str(w)
                      for w in (wanted if isinstance(wanted, list) else [wanted])]
            if not _holds(operator, wanted, values_of.get(key.lower())):
                return False
    return True


def _holds(operator: str, wanted: list[str], actual: list[str] | None) -> bool:
    name = operator.lower()
    qualifier = ""
    if ":" in name:
        qualifier, name = name.split(":", 1)
        if qualifier not in ("foranyvalue", "forallvalues"):
            raise UnsupportedCondition(f"the set qualifier in {operator}")
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    if name == "null":
        absent = not actual
        return all((w.lower() == "true") == absent for w in wanted)
    if name not in _OPERATORS:
        raise UnsupportedCondition(f"the operator {operator}")
    match, negated = _OPERATORS[name]
    if not actual:
        if if_exists or qualifier == "forallvalues":
            return True
        return negated and qualifier != "foranyvalue"

    def holds_for(value: str) -> bool:
        hit = any(match(w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "forallvalues":
        return all(holds_for(v) for v in actual)
    return any(holds_for(v) for v in actual)
