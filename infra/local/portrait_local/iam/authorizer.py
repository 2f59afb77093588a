"""The stack's IAM state: each function's principal, the calls authorised and denied,
and the statements withheld for a what-if (`portrait iam withhold`)."""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from portrait_local.iam.actions import Arns
from portrait_local.iam.evaluator import Decision, Request, Statement, action_matches, evaluate
from portrait_local.iam.principals import (Principal, expand, function_principals,
                                           secret_arns)
from portrait_local.template import Template

MAX_DENIALS_KEPT = 200


@dataclass(frozen=True)
class Denial:
    at: float
    function_id: str
    action: str
    resource: str
    message: str


class Authorizer:
    def __init__(self, on_denial: Callable[[Denial], None] | None = None) -> None:
        self.principals: dict[str, Principal] = {}
        self.arns: Arns | None = None
        self.withheld: dict[str, set[str]] = {}  # function -> statement selectors
        self.on_denial = on_denial or (lambda denial: None)
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()  # function -> requests authorised
        self._actions: dict[str, Counter[str]] = defaultdict(Counter)  # function -> action -> n
        self._used: dict[str, set[tuple[str, str]]] = defaultdict(set)  # (statement, pattern)
        self._denied: dict[str, Counter[str]] = defaultdict(Counter)
        self.denials: deque[Denial] = deque(maxlen=MAX_DENIALS_KEPT)
        self.expanded: dict | None = None

    # -------------------------------------------------------------- policies
    def expand(self, template_path: Path, region: str, cache_dir: Path | None = None) -> None:
        """The SAM transform of the template (slow: seconds); once per stack."""
        self.expanded = expand(template_path, region, cache_dir)

    def load(self, template: Template) -> None:
        """Each function's principal, resolved with this template (after the resources
        exist: a secret's ARN is known then); again after a parameter update."""
        principals = function_principals(template, self.expanded)
        arns = Arns(template.region, template.account_id, template.partition,
                    secret_arns(template))
        with self._lock:
            self.principals, self.arns = principals, arns

    def statements_of(self, function_id: str) -> list[Statement]:
        principal = self.principals[function_id]
        withheld = self.withheld.get(function_id) or set()
        return [s for s in principal.statements if not withheld & _selectors(s)]

    def withhold(self, selections: dict[str, list[str]]) -> dict[str, list[str]]:
        """Statements to leave out, by function: each a Sid, a policy name (all of its
        statements) or a statement label (policy/Sid, policy#index). Replaces the previous
        selection; {} restores every policy. Unknown names are refused (KeyError)."""
        for function_id, wanted in selections.items():
            if function_id not in self.principals:
                raise KeyError(f"no function {function_id}")
            known = set().union(*(_selectors(s) for s in self.principals[function_id].statements))
            missing = sorted(set(wanted) - known)
            if missing:
                raise KeyError(f"{function_id} has no statement {', '.join(missing)} "
                               f"(it has: {', '.join(sorted(known))})")
        with self._lock:
            self.withheld = {f: set(w) for f, w in selections.items() if w}
        return {f: sorted(w) for f, w in self.withheld.items()}

    # -------------------------------------------------------------- decisions
    def decide(self, function_id: str, requests: list[Request], region: str | None = None,
               new_call: bool = True) -> Decision | None:
        """None when every request is allowed (and counted), else the first denial.
        `region`: the one the request was signed for (aws:RequestedRegion); `new_call`
        False: one more authorisation of a call already counted."""
        statements = self.statements_of(function_id)
        context = global_context(self.principals[function_id], region or self.arns.region)
        decisions = [evaluate(statements, replace(request, context={**context, **request.context}))
                     for request in requests]
        refused = next((d for d in decisions if not d.allowed), None)
        with self._lock:
            if refused is not None:
                self._denied[function_id][refused.request.action] += 1
                return refused
            self._calls[function_id] += int(new_call)
            for decision in decisions:
                self._actions[function_id][decision.request.action] += 1
                for statement in decision.matched:
                    for pattern in statement.actions():
                        if action_matches(pattern, decision.request.action):
                            self._used[function_id].add((statement.label, pattern))
        return None

    def denied(self, function_id: str, action: str, resource: str, message: str) -> None:
        denial = Denial(time.time(), function_id, action, resource, message)
        with self._lock:
            self.denials.append(denial)
        self.on_denial(denial)

    # -------------------------------------------------------------- report
    def report(self) -> dict[str, Any]:
        """Per function: calls authorised (by action), denials, and the granted actions
        no call used (the managed policies' service-side grants listed apart)."""
        functions = {}
        with self._lock:
            for function_id, principal in sorted(self.principals.items()):
                used = self._used.get(function_id, set())
                unused, service_side = [], []
                for statement in principal.statements:
                    if statement.effect != "Allow":
                        continue
                    for pattern in statement.actions():
                        if (statement.label, pattern) in used:
                            continue
                        entry = {"statement": statement.label, "action": pattern,
                                 "resource": statement.resources()}
                        (service_side if statement.aws_managed else unused).append(entry)
                functions[function_id] = {
                    "role": principal.role_name,
                    "calls": self._calls.get(function_id, 0),
                    "authorised": dict(sorted(self._actions.get(function_id, {}).items())),
                    "denied": dict(sorted(self._denied.get(function_id, {}).items())),
                    "unused": unused,
                    "service_side": service_side,
                }
            denials = [vars(d) for d in self.denials]
        return {"functions": functions, "denials": denials,
                "withheld": {f: sorted(w) for f, w in self.withheld.items()}}


def global_context(principal: Principal, region: str) -> dict[str, list[str]]:
    """The global condition keys every request of this principal carries. Transport is
    reported secure: in AWS the SDK speaks TLS; the local endpoint's plain HTTP stands
    in for it on the loopback."""
    now = datetime.now(timezone.utc)
    return {"aws:PrincipalArn": [principal.role_arn], "aws:PrincipalAccount":
            [principal.account_id], "aws:PrincipalType": ["AssumedRole"],
            "aws:RequestedRegion": [region], "aws:SecureTransport": ["true"],
            "aws:CurrentTime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
            "aws:EpochTime": [str(int(now.timestamp()))]}


def _selectors(statement: Statement) -> set[str]:
    names = {statement.label, statement.policy, f"{statement.policy}#{statement.index}"}
    if statement.document.get("Sid"):
        names.add(str(statement.document["Sid"]))
    return names
