"""Fire the template's schedules at their times (moto never does).

Schedules come from SAM function events (Schedule, ScheduleV2) and from
AWS::Events::Rule resources with a ScheduleExpression and Lambda targets.
The clock is injectable: tests drive `tick(now)` with a fake time.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from portrait_local.cron import Schedule, parse_schedule
from portrait_local.template import FUNCTION_TYPES, Template

log = logging.getLogger("portrait_local")


@dataclass
class ScheduleRule:
    function_id: str
    event_name: str  # the SAM event name, or the rule's logical id
    name: str  # the rule's physical name
    arn: str
    expression: str
    schedule: Schedule
    input: str | None
    enabled: bool
    source: str  # "sam-event", "sam-schedule-v2" or "rule"

    def payload(self, fire_time: datetime, template: Template) -> Any:
        """The event EventBridge sends for a scheduled rule (or the configured Input)."""
        if self.input is not None:
            return json.loads(self.input)
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": template.account_id,
            "time": fire_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": template.region,
            "resources": [self.arn],
            "detail": {},
        }


def _input(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def schedule_rules(template: Template) -> list[ScheduleRule]:
    rules: list[ScheduleRule] = []
    arn_prefix = f"arn:{template.partition}:events:{template.region}:{template.account_id}:rule/"
    for fid, spec in template.functions().items():
        for event_name, event in spec.events.items():
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            props = template.resolve(event.get("Properties") or {})
            v2 = event["Type"] == "ScheduleV2"
            expression = props["ScheduleExpression" if v2 else "Schedule"]
            name = props.get("Name") or f"{template.stack_name}-{fid}{event_name}"[:64]
            state = props.get("State", "ENABLED")
            enabled = props.get("Enabled", True) not in (False, "false") and state == "ENABLED"
            rules.append(ScheduleRule(
                function_id=fid, event_name=event_name, name=name,
                arn=(f"arn:{template.partition}:scheduler:{template.region}:"
                     f"{template.account_id}:schedule/default/{name}") if v2 else arn_prefix + name,
                expression=expression,
                schedule=parse_schedule(expression, props.get("ScheduleExpressionTimezone")),
                input=_input(props.get("Input")), enabled=enabled,
                source="sam-schedule-v2" if v2 else "sam-event"))
    function_arns = {template.get_att(fid, "Arn"): fid
                     for fid in template.resources_of_type(*FUNCTION_TYPES)}
    for lid in template.resources_of_type("AWS::Events::Rule"):
        props = template.resolve(template.resources[lid].get("Properties") or {})
        if "ScheduleExpression" not in props:
            continue
        name = template.physical_name(lid)
        for target in props.get("Targets") or []:
            fid = function_arns.get(target.get("Arn"))
            if fid is None:
                continue
            rules.append(ScheduleRule(
                function_id=fid, event_name=lid, name=name, arn=arn_prefix + name,
                expression=props["ScheduleExpression"],
                schedule=parse_schedule(props["ScheduleExpression"]),
                input=_input(target.get("Input")),
                enabled=props.get("State", "ENABLED") == "ENABLED", source="rule"))
    return rules


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    """Keeps each rule's next fire time and fires what is due.

    `fire(rule, event)` is called on a worker thread, so a slow function does
    not delay the other schedules (EventBridge invokes Lambda asynchronously).
    """

    def __init__(self, template: Template, rules: list[ScheduleRule],
                 fire: Callable[[ScheduleRule, Any], None],
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.template, self.rules, self._fire, self.clock = template, rules, fire, clock
        self.started_at = clock()  # rate() counts from the rule's creation
        self.next_fire: dict[int, datetime | None] = {
            i: rule.schedule.next_fire(self.started_at, self.started_at)
            for i, rule in enumerate(rules) if rule.enabled}
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="schedule")
        self._thread: threading.Thread | None = None

    def reschedule(self, template: Template, rules: list[ScheduleRule]) -> None:
        """The template with new parameter values: a rule that did not change keeps its
        next fire time; a changed or new one counts from now, as an updated rule does."""
        now = self.clock()
        before = {repr(rule): self.next_fire.get(i) for i, rule in enumerate(self.rules)}
        next_fire = {i: before[repr(rule)] if repr(rule) in before
                     else rule.schedule.next_fire(now, now)
                     for i, rule in enumerate(rules) if rule.enabled}
        self.template, self.rules, self.next_fire = template, rules, next_fire

    def find(self, function_id: str, event_name: str) -> ScheduleRule:
        for rule in self.rules:
            if rule.function_id == function_id and event_name in (rule.event_name, rule.name):
                return rule
        known = ", ".join(f"{r.function_id}/{r.event_name}" for r in self.rules) or "none"
        raise KeyError(f"no schedule {function_id}/{event_name} (known: {known})")

    def tick(self, now: datetime) -> list[tuple[ScheduleRule, Any]]:
        """Fire every rule due at `now` once; returns (rule, event) for each firing."""
        fired = []
        for i, due in list(self.next_fire.items()):
            if due is None or due > now:
                continue
            rule = self.rules[i]
            event = rule.payload(due, self.template)
            fired.append((rule, event))
            # A missed window (the laptop slept) fires once, not once per missed period.
            self.next_fire[i] = rule.schedule.next_fire(max(due, now), self.started_at)
        for rule, event in fired:
            self._pool.submit(self._safe_fire, rule, event)
        return fired

    def fire_now(self, function_id: str, event_name: str) -> tuple[ScheduleRule, Any]:
        rule = self.find(function_id, event_name)
        return rule, rule.payload(self.clock(), self.template)

    def _safe_fire(self, rule: ScheduleRule, event: Any) -> None:
        try:
            self._fire(rule, event)
        except Exception:  # noqa: BLE001 - one failing schedule must not stop the others
            log.exception("schedule %s/%s failed", rule.function_id, rule.event_name)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick(self.clock())
            pending = [d for d in self.next_fire.values() if d is not None]
            wait = min([(d - self.clock()).total_seconds() for d in pending] + [1.0])
            self._stop.wait(max(0.05, min(wait, 1.0)))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._pool.shutdown(wait=False, cancel_futures=True)
