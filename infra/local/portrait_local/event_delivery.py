"""Deliver events put on a bus as EventBridge does: each enabled rule of that bus whose
pattern matches the event sends it to every one of its targets.

The rules are moto's own (made from the template by resources.py and event_rules.py,
or put through the API while the stack runs); what moto's delivery lacks is done here.
A target gets the event shaped by its Input, InputPath or InputTransformer
(event_input): a queue as the message body, a function as an asynchronous invocation
(lambda_async: retries, then the function's dead-letter queue), another bus as a new
put. A target that does not exist (no such queue or function) fails the delivery at
once, as EventBridge does for errors it never retries; any other failure is retried by
the target's RetryPolicy. Either way the event then goes to the target's
DeadLetterConfig queue, with EventBridge's message attributes. Deliveries run on a
pool: PutEvents answers without waiting for them.
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from portrait_local.event_input import InputError, compact, predefined_variables, render
from portrait_local.filters import FilterError, matches
from portrait_local.lambda_async import AsyncInvoker
from portrait_local.queue_sender import QueueNotFound, QueueSender
from portrait_local.runtime import Invocation, print_invocation
from portrait_local.template import FUNCTION_TYPES, Template

# EventBridge's RetryPolicy defaults; the waits between tries grow to BACKOFF_CAP_SECONDS.
DEFAULT_RETRY_ATTEMPTS, DEFAULT_EVENT_AGE_SECONDS, BACKOFF_CAP_SECONDS = 185, 86400, 60


@dataclass(frozen=True)
class BusRule:
    name: str
    arn: str
    pattern: dict | None  # None: a schedule rule, which no put event ever reaches
    enabled: bool
    targets: list[dict]


def moto_rules(account_id: str, region: str, bus: str) -> list[BusRule] | None:
    """The rules of a bus in this process's moto, or None if there is no such bus."""
    from moto.events.models import events_backends

    found = events_backends[account_id][region].event_buses.get(bus)
    if found is None:
        return None
    return [BusRule(name=rule.name, arn=rule.arn,
                    pattern=json.loads(rule.event_pattern.dump() or "null"),
                    enabled=rule.state.startswith("ENABLED"), targets=list(rule.targets))
            for rule in list(found.rules.values())]


class Undeliverable(Exception):
    """A delivery error EventBridge does not retry (the target does not exist)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Delivery:
    rule: BusRule
    target: dict
    event: dict
    ingested: float  # epoch seconds


class EventDelivery:
    def __init__(self, template: Template, *,
                 rules: Callable[[str, str, str], list[BusRule] | None] = moto_rules,
                 report: Callable[..., None] = print_invocation, workers: int = 8) -> None:
        self.template, self.region, self.account_id = template, template.region, template.account_id
        self._rules, self.report, self._workers = rules, report, workers
        self.functions = {template.get_att(fid, "Arn"): fid
                          for fid in template.resources_of_type(*FUNCTION_TYPES)}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._waiting: list[Delivery] = []  # put before start(): delivered once it runs
        self.queues: QueueSender | None = None
        self.invoker: AsyncInvoker | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self, sqs: Any, invoke: Callable[[str, Any], Invocation] | None,
              **invoker_options: Any) -> None:
        """Start delivering; without `invoke`, function targets are reported, not run."""
        self.queues = QueueSender(sqs)
        if invoke is not None:
            self.invoker = AsyncInvoker(self.template, invoke, self.queues, report=self.report,
                                        stop=self._stop, **invoker_options)
        with self._lock:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="events")
            waiting, self._waiting = self._waiting, []
        self._submit(waiting)

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            if self._pool:
                self._pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, deliveries: list[Delivery]) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            if self._pool is None:
                self._waiting.extend(deliveries)
                return
            for delivery in deliveries:
                self._pool.submit(self._deliver, delivery)

    # ------------------------------------------------------------ routing
    def publish(self, bus: str, event: dict) -> int:
        """Match the event against the bus's rules now; returns how many deliveries follow."""
        rules = self._rules(self.account_id, self.region, bus)
        if rules is None:  # EventBridge answers with an event id all the same
            self.report("EventBridge", f"bus:{bus}", 0, "no such event bus: event dropped")
            return 0
        now = time.time()
        deliveries = [Delivery(rule, target, event, now)
                      for rule in rules if self._matches(rule, event) for target in rule.targets]
        self._submit(deliveries)
        return len(deliveries)

    def _matches(self, rule: BusRule, event: dict) -> bool:
        if not rule.enabled or not rule.pattern:
            return False
        try:
            return matches(rule.pattern, event, eventbridge=True)
        except FilterError as exc:
            self.report("EventBridge", f"rule:{rule.name}", 0, f"pattern not usable: {exc}")
            return False

    # ------------------------------------------------------------ delivery
    def _deliver(self, delivery: Delivery) -> None:
        policy = delivery.target.get("RetryPolicy") or {}
        retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
        max_age = float(policy.get("MaximumEventAgeInSeconds", DEFAULT_EVENT_AGE_SECONDS))
        attempt = 0
        while not self._stop.is_set():
            try:
                return self._send(delivery)
            except Undeliverable as exc:
                return self._dead_letter(delivery, exc.code, str(exc), attempt, None)
            except Exception as exc:  # noqa: BLE001 - retried, as EventBridge retries
                exhausted = ("MaximumRetryAttempts" if attempt >= retries else
                             "MaximumEventAgeInSeconds"
                             if time.time() - delivery.ingested >= max_age else None)
                if exhausted:
                    return self._dead_letter(delivery, "InternalException", str(exc), attempt,
                                             exhausted)
                self._stop.wait(min(2 ** attempt, BACKOFF_CAP_SECONDS))
                attempt += 1

    def _send(self, delivery: Delivery) -> None:
        rule, target, arn = delivery.rule, delivery.target, delivery.target["Arn"]
        ingested = datetime.fromtimestamp(delivery.ingested, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        try:
            shaped = render(target, delivery.event, predefined_variables(
                delivery.event, rule.name, rule.arn, ingested))
        except InputError as exc:
            raise Undeliverable("ValidationException", str(exc)) from None
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "sqs":
            try:
                group = (target.get("SqsParameters") or {}).get("MessageGroupId")
                self.queues.send(arn, shaped.body, group_id=group,
                                 deduplication_id=delivery.event["id"])
            except QueueNotFound as exc:
                raise Undeliverable("ResourceNotFoundException", str(exc)) from None
        elif service == "lambda":
            self._invoke(rule, arn, shaped.payload)
        elif service == "events" and ":event-bus/" in arn and self._local(arn):
            self.publish(arn.split(":event-bus/", 1)[1], delivery.event)
        else:
            self.report("EventBridge", f"rule:{rule.name}", 0, f"target {arn} not emulated")

    def _local(self, arn: str) -> bool:
        return arn.split(":")[3:5] == [self.region, self.account_id]

    def _invoke(self, rule: BusRule, arn: str, payload: Any) -> None:
        function_id = self.functions.get(":".join(arn.split(":")[:7]))  # without a qualifier
        if function_id is None:
            raise Undeliverable("ResourceNotFoundException", f"Function not found: {arn}")
        if self.invoker is None:
            self.report(function_id, f"events:{rule.name}", 0,
                        "not invoked: this stack runs no functions for events")
            return
        self.invoker.invoke(function_id, payload, f"events:{rule.name}")

    def _dead_letter(self, delivery: Delivery, code: str, message: str, attempts: int,
                     exhausted: str | None) -> None:
        """Send the event to the target's DeadLetterConfig queue, if it has one."""
        rule, target = delivery.rule, delivery.target
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        outcome = f"undeliverable to {target['Arn']}: {code}: {message}"
        if not queue:
            return self.report("EventBridge", f"rule:{rule.name}", 0, f"{outcome}; dropped")
        attributes = {"RULE_ARN": rule.arn, "TARGET_ARN": target["Arn"], "ERROR_CODE": code,
                      "ERROR_MESSAGE": message[:1024], "RETRY_ATTEMPTS": str(attempts)}
        if exhausted:
            attributes["EXHAUSTED_RETRY_CONDITION"] = exhausted
        try:
            self.queues.send(queue, compact(delivery.event), attributes=attributes)
            outcome += f"; sent to {queue.rsplit(':', 1)[-1]}"
        except Exception as exc:  # noqa: BLE001 - the console says why; the stack goes on
            outcome += f"; dead-letter queue {queue} failed: {exc}"
        self.report("EventBridge", f"rule:{rule.name}", 0, outcome)
