"""Embedded metric format: the JSON log lines Powertools Metrics prints, read as
CloudWatch Logs extracts metrics from them.

    {"_aws": {"Timestamp": 1700000000000,
              "CloudWatchMetrics": [{"Namespace": "Portrait/dev",
                                     "Dimensions": [["service"], ["service", "reason"]],
                                     "Metrics": [{"Name": "AvatarRejected", "Unit": "Count"}]}]},
     "service": "portrait", "reason": "corrupt", "AvatarRejected": [1.0]}

Each dimension set of a directive makes its own metric (the set's keys, with the values
of the root members of those names); a metric's value is a number or an array of
numbers (several datapoints). A line that is not EMF, or is malformed, yields nothing,
as CloudWatch Logs keeps it as a plain log event.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Datapoints:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]  # sorted (name, value) pairs
    values: tuple[float, ...]
    unit: str
    timestamp_ms: int | None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def parse_line(line: str) -> list[Datapoints]:
    line = line.strip()
    if not line.startswith("{") or '"_aws"' not in line:
        return []
    try:
        document = json.loads(line)
    except ValueError:
        return []
    meta = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(meta, dict) or not isinstance(meta.get("CloudWatchMetrics"), list):
        return []
    timestamp = meta.get("Timestamp") if _number(meta.get("Timestamp")) else None
    found: list[Datapoints] = []
    for directive in meta["CloudWatchMetrics"]:
        if not isinstance(directive, dict) or not isinstance(directive.get("Namespace"), str):
            continue
        dimension_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name") if isinstance(metric, dict) else None
            raw = document.get(name) if isinstance(name, str) else None
            values = raw if isinstance(raw, list) else [raw]
            if not values or not all(_number(v) for v in values):
                continue  # a metric without a numeric value is not extracted
            for keys in dimension_sets:
                if not isinstance(keys, list) or not all(
                        isinstance(document.get(k), str) for k in keys):
                    continue  # a dimension without a string value: that set is dropped
                found.append(Datapoints(
                    directive["Namespace"], name,
                    tuple(sorted((k, document[k]) for k in keys)),
                    tuple(float(v) for v in values), str(metric.get("Unit") or "None"),
                    int(timestamp) if timestamp is not None else None))
    return found
