"""The running local CloudWatch: fed by the stack, evaluating the template's alarms once
a (simulated) minute, as CloudWatch evaluates alarms every minute.

Fed by:
- record_line: each line a function prints (runtime.py); embedded-metric lines become
  datapoints, stamped with the local clock when they arrive (a line's own Timestamp is
  real time, which a faster clock has left behind);
- record_invocation: AWS/Lambda Invocations, Errors, Duration and Throttles per
  FunctionName, as Lambda publishes them for every invocation (Errors 0 on success, so
  an error rate has a denominator; Throttles always 0: the local pool queues a call
  beyond its size rather than refusing it), and IteratorAge for a stream batch (the age
  of its last record);
- record_request: AWS/ApiGateway Count, 4xx, 5xx and Latency per ApiId for each API
  request (IntegrationLatency: the function's part);
- the sampler: AWS/SQS ApproximateNumberOfMessagesVisible and ApproximateAgeOfOldestMessage
  per QueueName, once a minute for every queue of the template, as SQS reports them.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from portrait_local.cloudwatch import emf
from portrait_local.cloudwatch.alarms import (INSUFFICIENT, Alarm, evaluate, template_alarms)
from portrait_local.cloudwatch.clock import SimulatedClock
from portrait_local.cloudwatch.store import MetricStore, dimensions_of, minute_of

HISTORY = 50  # state changes kept per alarm
# AGES: an age or a duration (IteratorAge, ApproximateAgeOfOldestMessage, Duration,
# Latency) is measured in real time, the system's own speed: a fast clock compresses the
# periods the alarms evaluate, it does not make a 2-second hop look like 10 minutes (which
# would fire the latency alarms at every speed-up).


class AlarmState:
    def __init__(self, alarm: Alarm) -> None:
        self.alarm = alarm
        self.state, self.reason = INSUFFICIENT, "Unchecked: Initial alarm creation"
        self.updated: float | None = None  # simulated time of the last change
        self.datapoints: list = []
        self.history: list[dict] = []
        self.evaluated = False

    def document(self) -> dict:
        a = self.alarm
        return {"name": a.logical_id, "state": self.state, "reason": self.reason,
                "updated": self.updated, "description": a.description,
                "threshold": a.threshold, "comparison": a.comparison, "period": a.period,
                "evaluation_periods": a.evaluation_periods,
                "datapoints_to_alarm": a.datapoints_to_alarm,
                "treat_missing_data": a.treat_missing_data,
                "metrics": [{"namespace": m.namespace, "name": m.name,
                             "dimensions": dict(m.dimensions), "stat": m.stat,
                             "period": m.period} for m in a.metrics],
                "expression": next((q.expression.text for q in a.queries
                                    if q.expression is not None and q.return_data), None),
                "unavailable": a.unavailable,
                "datapoints": [[t, v] for t, v in self.datapoints],
                "history": self.history}


def print_state_change(name: str, old: str, new: str, reason: str) -> None:
    """One line on the stack's console, like an IAM denial: seen at once."""
    print(f"{time.strftime('%H:%M:%S')} {name:<16} alarm {old} -> {new}: {reason}", flush=True)


class LocalCloudWatch:
    def __init__(self, template: Any, *, clock: SimulatedClock | None = None,
                 queue_depths: Callable[[list[str]], dict[str, tuple[int, float | None]]]
                 | None = None,
                 announce: Callable[[str, str, str, str], None] = print_state_change) -> None:
        self.clock = clock or SimulatedClock()
        self.store = MetricStore()
        self.announce = announce
        self.queue_depths = queue_depths
        self._lock = threading.RLock()
        self.states: dict[str, AlarmState] = {}
        self.refused: dict[str, str] = {}
        self._wake = threading.Event()
        self.load(template)

    # ------------------------------------------------------------ the template
    def load(self, template: Any) -> None:
        """The template's alarms (again, after a parameter change): an alarm that stays
        keeps its state and history, as an update of its threshold does in CloudWatch."""
        alarms, refused = template_alarms(template)
        queues = sorted(template.get_att(lid, "QueueName")
                        for lid in template.resources_of_type("AWS::SQS::Queue"))
        api_ids = sorted(template.physical_id(lid)
                         for lid in template.resources_of_type("AWS::Serverless::HttpApi"))
        with self._lock:
            old = self.states
            self.states = {}
            for alarm in alarms:
                state = old.get(alarm.logical_id) or AlarmState(alarm)
                state.alarm = alarm
                self.states[alarm.logical_id] = state
            self.refused, self.queues, self.api_ids = refused, queues, api_ids
            self.functions = {spec.logical_id: spec.name
                              for spec in template.functions().values()}
            # The product's namespace, as the functions get it (Portrait/<Stage>).
            self.namespace = template.resolve({"Fn::Sub": "Portrait/${Stage}"})
        self._wake.set()  # evaluate the new definitions now

    # ------------------------------------------------------------ inputs
    def record_line(self, function_id: str, line: str) -> None:
        found = emf.parse_line(line)
        if not found:
            return
        now = self.clock.now()
        for points in found:
            self.store.put(points.namespace, points.name, points.dimensions, points.values, now,
                           points.unit)

    def record_invocation(self, function_id: str, event: Any, duration_ms: float,
                          ok: bool) -> None:
        name = self.functions.get(function_id, function_id)
        dims, now = {"FunctionName": name}, self.clock.now()
        for metric, value, unit in (("Invocations", 1, "Count"), ("Errors", 0 if ok else 1, "Count"),
                                    ("Throttles", 0, "Count"),
                                    ("Duration", duration_ms, "Milliseconds")):
            self.store.put("AWS/Lambda", metric, dims, [value], now, unit)
        age = self._iterator_age_ms(event, now)
        if age is not None:
            self.store.put("AWS/Lambda", "IteratorAge", dims, [age], now, "Milliseconds")

    def _iterator_age_ms(self, event: Any, now: float) -> float | None:
        """A stream batch's IteratorAge, as Lambda reports it: how old its last record is."""
        records = event.get("Records") if isinstance(event, dict) else None
        if not records or not isinstance(records[-1], dict) or \
                records[-1].get("eventSource") != "aws:dynamodb":
            return None
        created = (records[-1].get("dynamodb") or {}).get("ApproximateCreationDateTime")
        if not isinstance(created, (int, float)):
            return None
        return max(0.0, time.time() - created) * 1000  # real time: see AGES

    def record_request(self, api_id: str, status: int, latency_ms: float,
                       integration_ms: float | None = None) -> None:
        dims, now = {"ApiId": api_id}, self.clock.now()
        for metric, value, unit in (("Count", 1, "Count"), ("4xx", int(400 <= status < 500), "Count"),
                                    ("5xx", int(status >= 500), "Count"),
                                    ("Latency", latency_ms, "Milliseconds")):
            self.store.put("AWS/ApiGateway", metric, dims, [value], now, unit)
        if integration_ms is not None:
            self.store.put("AWS/ApiGateway", "IntegrationLatency", dims, [integration_ms], now,
                           "Milliseconds")

    def sample_queues(self, now: float) -> None:
        if self.queue_depths is None:
            return
        for name, (visible, age) in self.queue_depths(self.queues).items():
            dims = {"QueueName": name}
            self.store.put("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, [visible], now,
                           "Count")
            self.store.put("AWS/SQS", "ApproximateAgeOfOldestMessage", dims, [age or 0], now,
                           "Seconds")

    # ------------------------------------------------------------ evaluation
    def evaluate_all(self, now: float) -> list[tuple[str, str, str]]:
        """Every alarm at simulated `now`; announces and returns the changes (the first
        evaluation of an alarm settles its initial state quietly, summed up once)."""
        changes, first = [], []
        with self._lock:
            for name, state in self.states.items():
                result = evaluate(state.alarm, self.store.statistic, now, state.state)
                state.datapoints = result.datapoints
                if result.state != state.state:
                    entry = {"at": now, "real_at": time.time(), "from": state.state,
                             "to": result.state, "reason": result.reason}
                    state.history = (state.history + [entry])[-HISTORY:]
                    if state.evaluated:
                        changes.append((name, state.state, result.state, result.reason))
                    state.state, state.updated = result.state, now
                state.reason = result.reason
                if not state.evaluated:
                    state.evaluated = True
                    first.append(state.state)
        for change in changes:
            self.announce(*change)
        if first:
            counts = {s: first.count(s) for s in sorted(set(first))}
            print(f"cloudwatch: {len(first)} alarms evaluated: "
                  + ", ".join(f"{n} {s}" for s, n in counts.items())
                  + (f" ({len(self.refused)} not readable locally: "
                     f"{', '.join(sorted(self.refused))})" if self.refused else ""), flush=True)
        return changes

    def tick(self) -> None:
        now = self.clock.now()
        self.sample_queues(now)
        self.evaluate_all(now)
        self.store.prune(now)

    def run(self, stop: threading.Event) -> None:
        """Once a simulated minute (at its start): sample the queues, evaluate the alarms.
        Waits at most a second at a time, so a new clock speed applies at once."""
        next_minute = minute_of(self.clock.now())
        while not stop.is_set():
            wait = min(1.0, self.clock.real_seconds_until(next_minute))
            if self._wake.wait(wait) or self.clock.now() >= next_minute:
                self._wake.clear()
                try:
                    self.tick()
                except Exception as exc:  # noqa: BLE001 - one bad pass must not end alarms
                    print(f"cloudwatch: evaluation failed: {exc!r}", flush=True)
                next_minute = minute_of(self.clock.now()) + 60

    def set_speed(self, speed: float) -> dict:
        self.clock.set_speed(speed)
        self._wake.set()
        return self.clock.state()

    # ------------------------------------------------------------ reading
    def alarms_document(self) -> dict:
        with self._lock:
            alarms = [s.document() for s in self.states.values()]
        return {"clock": self.clock.state(), "alarms": alarms, "not_readable": self.refused}

    def series(self, namespace: str, name: str, dimensions: dict, stat: str = "Sum",
               minutes: int = 60, period: int = 60) -> list[list]:
        """The last `minutes` complete minutes of one metric, one value per period."""
        end = minute_of(self.clock.now()) + 60  # the minute in progress too: a live chart
        start = end - minutes * 60
        return [[t, v] for t, v in self.store.series(namespace, name, dimensions_of(dimensions),
                                                     start, end, period, stat)]

    def metric_list(self, namespace: str | None = None, name: str | None = None) -> list[dict]:
        return [{"namespace": ns, "name": n, "dimensions": dict(dims), "unit": unit}
                for (ns, n, dims), unit in self.store.metrics(namespace, name)]
