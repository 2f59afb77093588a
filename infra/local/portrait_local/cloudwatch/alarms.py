"""The template's AWS::CloudWatch::Alarm resources, evaluated as CloudWatch does.

Pure: `evaluate(alarm, query, now, state)` reads datapoints through `query` (the store)
at simulated time `now` and returns the new state with its reason; nothing here reads
a clock.

What CloudWatch does, and so this does:
- the alarm looks at its last EvaluationPeriods periods, each Period long, ending at the
  start of the current minute (the minute in progress is not complete yet), each
  reduced to one datapoint with the alarm's Statistic or ExtendedStatistic (pNN);
- ALARM when at least DatapointsToAlarm (M, default N) of those N datapoints breach the
  threshold (ComparisonOperator);
- a period without data is missing: notBreaching counts it as good, breaching as bad;
  missing and ignore leave it out and decide on the datapoints present (ALARM when
  those present that breach reach M, or all of them do when fewer than M are present);
  when none is present, missing goes to INSUFFICIENT_DATA and ignore keeps the state;
- metric math (`Metrics:`): each MetricStat is queried per period, the expressions are
  computed on those values (expression.py), and the one with ReturnData (not false) is
  compared with the threshold.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from portrait_local.cloudwatch.expression import Expression, ExpressionError
from portrait_local.cloudwatch.store import Dimensions, dimensions_of, minute_of, valid_statistic

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"
# query(namespace, name, dimensions, start, end, statistic) -> value or None
Query = Callable[[str, str, Dimensions, float, float, str], "float | None"]
COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
MISSING_DATA = ("missing", "notBreaching", "breaching", "ignore")
# The AWS metrics the local stack publishes itself (service.py); an alarm on any other
# AWS/ metric stays INSUFFICIENT_DATA, saying why.
LOCAL_AWS_METRICS = {
    "AWS/Lambda": {"Invocations", "Errors", "Duration", "Throttles", "IteratorAge"},
    "AWS/SQS": {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"},
    "AWS/ApiGateway": {"Count", "4xx", "5xx", "Latency", "IntegrationLatency"},
}


@dataclass(frozen=True)
class MetricStat:
    namespace: str
    name: str
    dimensions: Dimensions
    period: int
    stat: str


@dataclass(frozen=True)
class MetricQuery:
    id: str
    stat: MetricStat | None = None
    expression: Expression | None = None
    return_data: bool = True


@dataclass
class Alarm:
    logical_id: str
    description: str
    threshold: float
    comparison: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    queries: list[MetricQuery]
    unavailable: str | None = None  # why the local stack cannot evaluate it

    @property
    def metrics(self) -> list[MetricStat]:
        return [q.stat for q in self.queries if q.stat is not None]


@dataclass
class Evaluation:
    state: str
    reason: str
    datapoints: list[tuple[int, float | None]] = field(default_factory=list)


class AlarmDefinitionError(ValueError):
    pass


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AlarmDefinitionError(f"{what} is not a number: {value!r}") from None


def _metric_stat(spec: dict, lid: str) -> MetricStat:
    metric = spec.get("Metric") or {}
    stat = spec.get("Stat")
    if not valid_statistic(str(stat)):
        raise AlarmDefinitionError(f"{lid}: statistic {stat!r} is not supported locally")
    return MetricStat(metric.get("Namespace"), metric.get("MetricName"),
                      dimensions_of((d["Name"], d["Value"]) for d in metric.get("Dimensions") or []),
                      int(_number(spec.get("Period"), f"{lid}'s Period")), stat)


def _unavailable(stats: list[MetricStat]) -> str | None:
    for stat in stats:
        if stat.namespace.startswith("AWS/") and \
                stat.name not in LOCAL_AWS_METRICS.get(stat.namespace, ()):
            return f"the local stack does not publish {stat.namespace} {stat.name}"
    return None


def alarm_from_properties(lid: str, props: dict) -> Alarm:
    """An alarm from its resolved template properties."""
    comparison = props.get("ComparisonOperator")
    if comparison not in COMPARISONS:
        raise AlarmDefinitionError(f"{lid}: ComparisonOperator {comparison!r} is not supported "
                                   "locally (anomaly detection needs a model)")
    missing = props.get("TreatMissingData") or "missing"
    if missing not in MISSING_DATA:
        raise AlarmDefinitionError(f"{lid}: TreatMissingData {missing!r}")
    n = int(_number(props.get("EvaluationPeriods"), f"{lid}'s EvaluationPeriods"))
    m = int(_number(props.get("DatapointsToAlarm") or n, f"{lid}'s DatapointsToAlarm"))
    if not 1 <= m <= n:
        raise AlarmDefinitionError(f"{lid}: DatapointsToAlarm {m} must be 1..{n}")
    if props.get("Metrics"):
        queries = []
        for item in props["Metrics"]:
            returned = item.get("ReturnData", True) not in (False, "false", "False")
            if "Expression" in item:
                try:
                    queries.append(MetricQuery(item["Id"], expression=Expression(item["Expression"]),
                                               return_data=returned))
                except ExpressionError as exc:
                    raise AlarmDefinitionError(f"{lid}: {exc}") from None
            else:
                queries.append(MetricQuery(item["Id"], stat=_metric_stat(item["MetricStat"], lid),
                                           return_data=returned))
        if sum(q.return_data for q in queries) != 1:
            raise AlarmDefinitionError(f"{lid}: exactly one of Metrics must return data")
        period = max(q.stat.period for q in queries if q.stat) if any(q.stat for q in queries) \
            else 60
    else:
        stat = props.get("ExtendedStatistic") or props.get("Statistic")
        period = int(_number(props.get("Period"), f"{lid}'s Period"))
        queries = [MetricQuery("m", stat=_metric_stat({
            "Metric": {"Namespace": props.get("Namespace"), "MetricName": props.get("MetricName"),
                       "Dimensions": props.get("Dimensions")},
            "Period": period, "Stat": stat}, lid))]
    alarm = Alarm(lid, str(props.get("AlarmDescription") or ""),
                  _number(props.get("Threshold"), f"{lid}'s Threshold"), comparison, period, n, m,
                  missing, queries)
    alarm.unavailable = _unavailable(alarm.metrics)
    return alarm


def template_alarms(template: Any) -> tuple[list[Alarm], dict[str, str]]:
    """The alarms of a loaded template (conditions applied, parameters resolved), and
    those that cannot be read locally with the reason."""
    alarms, refused = [], {}
    for lid, resource in sorted(template.resources_of_type("AWS::CloudWatch::Alarm").items()):
        try:
            alarms.append(alarm_from_properties(lid, template.resolve(
                resource.get("Properties") or {})))
        except (AlarmDefinitionError, KeyError, TypeError) as exc:
            refused[lid] = str(exc)
    return alarms, refused


def _value(query: MetricQuery, by_id: dict[str, MetricQuery], fetch: Query, start: float,
           end: float, seen: frozenset = frozenset()) -> float | None:
    if query.stat is not None:
        s = query.stat
        return fetch(s.namespace, s.name, s.dimensions, start, end, s.stat)
    env = {}
    for name in query.expression.names:
        if name not in by_id or name in seen:
            return None  # an unknown id or a cycle: no value, never a crash
        env[name] = _value(by_id[name], by_id, fetch, start, end, seen | {query.id})
    return query.expression(env)


def datapoints(alarm: Alarm, fetch: Query, now: float) -> list[tuple[int, float | None]]:
    """The alarm's N datapoints, oldest first: (period start, value or None)."""
    end = minute_of(now)
    by_id = {q.id: q for q in alarm.queries}
    returned = next(q for q in alarm.queries if q.return_data)
    points = []
    for k in reversed(range(alarm.evaluation_periods)):
        start = end - (k + 1) * alarm.period
        points.append((start, _value(returned, by_id, fetch, start, start + alarm.period)))
    return points


def _stamp(t: float) -> str:
    return time.strftime("%d/%m/%y %H:%M:%S", time.gmtime(t))


def evaluate(alarm: Alarm, fetch: Query, now: float, state: str = INSUFFICIENT) -> Evaluation:
    """The alarm's state at `now` (its previous `state` matters for ignore only)."""
    if alarm.unavailable:
        return Evaluation(INSUFFICIENT, f"Not evaluated locally: {alarm.unavailable}.")
    points = datapoints(alarm, fetch, now)
    words, breaches = COMPARISONS[alarm.comparison]
    n, m = alarm.evaluation_periods, alarm.datapoints_to_alarm
    present = [(t, v) for t, v in points if v is not None]
    shown = ", ".join(f"{v:g} ({_stamp(t)})" for t, v in reversed(present)) or "no datapoints"
    if len(present) < n and alarm.treat_missing_data in ("notBreaching", "breaching"):
        shown += (f"; {n - len(present)} missing, treated as "
                  f"{'not ' if alarm.treat_missing_data == 'notBreaching' else ''}breaching")
    if alarm.treat_missing_data in ("notBreaching", "breaching"):
        filled = [breaches(v, alarm.threshold) if v is not None
                  else alarm.treat_missing_data == "breaching" for _, v in points]
        bad, needed, counted = sum(filled), m, n
    elif not present:
        if alarm.treat_missing_data == "ignore":
            return Evaluation(state, f"No datapoints in the last {n} periods: state kept "
                                     f"(TreatMissingData ignore).", points)
        return Evaluation(INSUFFICIENT, f"Insufficient Data: {n} datapoints were unknown.",
                          points)
    else:
        bad = sum(breaches(v, alarm.threshold) for _, v in present)
        needed, counted = min(m, len(present)), len(present)
    new = ALARM if bad >= needed else OK
    verb = "were" if bad != 1 else "was"
    if new == ALARM:
        reason = (f"Threshold Crossed: {bad} out of the last {counted} datapoints [{shown}] "
                  f"{verb} {words} the threshold ({alarm.threshold:g}) (minimum {needed} "
                  f"datapoint{'s' if needed != 1 else ''} for OK -> ALARM transition).")
    else:
        good = counted - bad
        reason = (f"Threshold Crossed: {good} out of the last {counted} datapoints [{shown}] "
                  f"{'were' if good != 1 else 'was'} not {words} the threshold "
                  f"({alarm.threshold:g}) (minimum {counted - needed + 1} datapoint"
                  f"{'s' if counted - needed + 1 != 1 else ''} for ALARM -> OK transition).")
    return Evaluation(new, reason, points)
