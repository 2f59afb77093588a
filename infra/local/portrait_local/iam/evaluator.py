"""IAM's evaluation of identity-based policies, for one principal in one account.

The logic AWS documents for a request within an account with no SCPs, permission
boundaries or session policies: an explicit Deny in any statement wins, then an
Allow in any statement, else the request is implicitly denied. A statement applies
when its Action (or NotAction) covers the action - case-insensitively, with `*` and
`?` -, its Resource (or NotResource) covers the resource - case-sensitively, same
wildcards - and every condition holds (conditions.py).

Written here rather than taken from a library: moto's evaluator (moto.iam.access_control)
ignores Resource-less subtleties, turns a failed Condition on an Allow into a Deny and
knows no `?`, and no maintained package on PyPI evaluates a request against identity
policies (policyuniverse, parliament, policy_sentry, cloudsplaining parse, lint or write
policies). This one is small, and tests/unit/local_stack/iam pins its rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from portrait_local.iam.conditions import UnsupportedCondition, conditions_hold


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, with where it came from (for denials and the report)."""

    policy: str  # the policy's name (inline) or ARN (managed)
    index: int  # its position in the policy
    document: dict
    aws_managed: bool = False

    @property
    def label(self) -> str:
        sid = self.document.get("Sid")
        return f"{self.policy}/{sid}" if sid else f"{self.policy}#{self.index}"

    @property
    def effect(self) -> str:
        return str(self.document.get("Effect", ""))

    def actions(self) -> list[str]:
        return _as_list(self.document.get("Action"))

    def resources(self) -> list[str]:
        return _as_list(self.document.get("Resource"))


@dataclass(frozen=True)
class Request:
    """What one call asks: the action, the resource, and the condition context keys
    the request sets (`known_keys`: those it could set, present or not)."""

    action: str
    resource: str
    context: dict[str, list[str]] = field(default_factory=dict)
    known_keys: frozenset[str] = frozenset()


@dataclass
class Decision:
    allowed: bool
    request: Request
    explicit_deny: bool = False
    matched: list[Statement] = field(default_factory=list)  # the Allows (or the Deny) that applied
    unsupported: str | None = None  # why a condition could not be evaluated

    def reason(self) -> str:
        if self.unsupported:
            return f"because the local IAM check cannot evaluate a condition: {self.unsupported}"
        if self.explicit_deny:
            return f"with an explicit deny in an identity-based policy ({self.matched[0].label})"
        return f"because no identity-based policy allows the {self.request.action} action"


def statements(policies: Iterable[tuple[str, dict, bool]]) -> list[Statement]:
    """The statements of (name, document, aws_managed) policies, in order."""
    found = []
    for name, document, managed in policies:
        for index, statement in enumerate(_as_list(document.get("Statement"))):
            found.append(Statement(name, index, statement, managed))
    return found


def evaluate(policy_statements: Iterable[Statement], request: Request) -> Decision:
    allows: list[Statement] = []
    for statement in policy_statements:
        try:
            applies = statement_applies(statement.document, request)
        except UnsupportedCondition as exc:
            # Never allowed on a condition nobody evaluated; an unevaluated Deny denies too.
            return Decision(False, request, unsupported=f"{statement.label}: {exc}")
        if not applies:
            continue
        if statement.effect == "Deny":
            return Decision(False, request, explicit_deny=True, matched=[statement])
        if statement.effect == "Allow":
            allows.append(statement)
    return Decision(bool(allows), request, matched=allows)


def statement_applies(statement: dict, request: Request) -> bool:
    if "NotAction" in statement:
        if any(action_matches(p, request.action) for p in _as_list(statement["NotAction"])):
            return False
    elif not any(action_matches(p, request.action) for p in _as_list(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        if any(resource_matches(p, request.resource)
               for p in _as_list(statement["NotResource"])):
            return False
    elif not any(resource_matches(p, request.resource)
                 for p in _as_list(statement.get("Resource"))):
        return False
    return conditions_hold(statement.get("Condition") or {}, request.context, request.known_keys)


def action_matches(pattern: str, action: str) -> bool:
    return _wildcard(pattern, ignore_case=True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    if "${" in pattern:  # a policy variable: none of the template's policies use one
        raise UnsupportedCondition(f"policy variables in resources ({pattern})")
    return _wildcard(pattern, ignore_case=False).fullmatch(resource) is not None


@lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
