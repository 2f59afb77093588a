"""Datapoints as CloudWatch keeps them: per metric (namespace, name), per exact
dimension set, per minute (sum, count, minimum, maximum and the values, for
percentiles). A query names one exact dimension set, as GetMetricData and an alarm
do: a metric published with {service, reason} is not the one with {service}.
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Iterable

Dimensions = tuple[tuple[str, str], ...]
MetricKey = tuple[str, str, Dimensions]
# Values kept per minute for percentiles; past this, every further value still counts in
# sum/count/min/max, and the percentile is taken over the first ones (documented, local).
VALUES_PER_MINUTE = 5000
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")
STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")


def dimensions_of(pairs: dict[str, str] | Iterable[tuple[str, str]]) -> Dimensions:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return tuple(sorted((str(k), str(v)) for k, v in items))


def valid_statistic(stat: str) -> bool:
    return stat in STATISTICS or bool(_PERCENTILE.match(stat))


@dataclass
class Bucket:
    sum: float = 0.0
    count: int = 0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.sum += value
        self.count += 1
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        if len(self.values) < VALUES_PER_MINUTE:
            self.values.append(value)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def aggregate(buckets: list[Bucket], stat: str) -> float | None:
    """One statistic over the minutes of a period; None when the period has no data."""
    buckets = [b for b in buckets if b.count]
    if not buckets:
        return None
    count = sum(b.count for b in buckets)
    if stat == "Sum":
        return sum(b.sum for b in buckets)
    if stat == "SampleCount":
        return float(count)
    if stat == "Average":
        return sum(b.sum for b in buckets) / count
    if stat == "Minimum":
        return min(b.minimum for b in buckets)
    if stat == "Maximum":
        return max(b.maximum for b in buckets)
    match = _PERCENTILE.match(stat)
    if match:
        return percentile([v for b in buckets for v in b.values], float(match.group(1)))
    raise ValueError(f"unknown statistic {stat!r}")


def minute_of(timestamp: float) -> int:
    return int(timestamp // 60) * 60


class MetricStore:
    def __init__(self, retention_seconds: int = 24 * 3600) -> None:
        self.retention_seconds = retention_seconds
        self._metrics: dict[MetricKey, dict[int, Bucket]] = {}
        self._units: dict[MetricKey, str] = {}
        self._lock = threading.Lock()

    def put(self, namespace: str, name: str, dimensions: Dimensions | dict,
            values: Iterable[float], timestamp: float, unit: str = "None") -> None:
        key = (namespace, name, dimensions_of(dimensions))
        minute = minute_of(timestamp)
        with self._lock:
            bucket = self._metrics.setdefault(key, {}).setdefault(minute, Bucket())
            for value in values:
                bucket.add(float(value))
            self._units.setdefault(key, unit)

    def statistic(self, namespace: str, name: str, dimensions: Dimensions | dict, start: float,
                  end: float, stat: str) -> float | None:
        """`stat` over the minutes in [start, end) of this exact metric."""
        key = (namespace, name, dimensions_of(dimensions))
        with self._lock:
            minutes = self._metrics.get(key, {})
            buckets = [b for m, b in minutes.items() if start <= m < end]
            return aggregate(buckets, stat)

    def series(self, namespace: str, name: str, dimensions: Dimensions | dict, start: float,
               end: float, period: int, stat: str) -> list[tuple[int, float | None]]:
        """One value per period from `start` (a minute) up to `end`, None where no data."""
        first = minute_of(start)
        return [(t, self.statistic(namespace, name, dimensions, t, t + period, stat))
                for t in range(first, int(end), period)]

    def metrics(self, namespace: str | None = None, name: str | None = None
                ) -> list[tuple[MetricKey, str]]:
        """The metrics known (with their units), like ListMetrics."""
        with self._lock:
            return sorted((key, self._units.get(key, "None")) for key in self._metrics
                          if (namespace is None or key[0] == namespace)
                          and (name is None or key[1] == name))

    def prune(self, now: float) -> None:
        oldest = now - self.retention_seconds
        with self._lock:
            for key, minutes in list(self._metrics.items()):
                for minute in [m for m in minutes if m < oldest]:
                    del minutes[minute]
                if not minutes:
                    del self._metrics[key]
                    self._units.pop(key, None)
