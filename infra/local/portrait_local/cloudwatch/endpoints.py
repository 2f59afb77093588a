"""/__local/cloudwatch/...: the local CloudWatch over HTTP (the page, the CLI, the tests).

GET  alarms           every alarm: state, reason, datapoints, history; and the clock
GET  metrics          the metrics known (ListMetrics)
POST series           {"queries": [{"namespace", "name", "dimensions", "stat"}],
                       "minutes": 60, "period": 60} -> one series per query
GET  clock            the clock; PUT clock {"speed": 60}: one real second is a minute
GET  dashboard        the page's charts (page.py)
"""
from __future__ import annotations

import json
from typing import Any, Callable

from portrait_local.cloudwatch.service import LocalCloudWatch
from portrait_local.cloudwatch.store import valid_statistic

MAX_SPEED = 3600.0  # an hour a second: faster, a minute passes between two evaluations


def handler(cloudwatch: LocalCloudWatch, dashboard: Callable[[], Any]
            ) -> Callable[[str, str, bytes], tuple[int, Any]]:
    def handle(method: str, rest: str, body: bytes) -> tuple[int, Any]:
        if method == "GET" and rest == "alarms":
            return 200, cloudwatch.alarms_document()
        if method == "GET" and rest == "metrics":
            return 200, {"metrics": cloudwatch.metric_list()}
        if method == "GET" and rest == "dashboard":
            return 200, dashboard()
        if rest == "clock" and method == "GET":
            return 200, cloudwatch.clock.state()
        if rest == "clock" and method == "PUT":
            try:
                speed = float(json.loads(body or b"{}")["speed"])
                if not 0 < speed <= MAX_SPEED:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return 400, {"message": f"a JSON object {{\"speed\": N}}, 0 < N <= {MAX_SPEED:g} "
                                        "(1: real time; 60: a minute a second)"}
            return 200, cloudwatch.set_speed(speed)
        if rest == "series" and method == "POST":
            return _series(cloudwatch, body)
        return 404, {"message": "GET /__local/cloudwatch/{alarms,metrics,clock,dashboard}, "
                                "PUT /__local/cloudwatch/clock, POST /__local/cloudwatch/series"}
    return handle


def _series(cloudwatch: LocalCloudWatch, body: bytes) -> tuple[int, Any]:
    try:
        request = json.loads(body or b"{}")
        minutes = int(request.get("minutes", 60))
        period = int(request.get("period", 60))
        queries = request["queries"]
        if not (1 <= minutes <= 24 * 60 and period >= 60 and period % 60 == 0):
            raise ValueError
        out = []
        for q in queries:
            stat = q.get("stat", "Sum")
            if not valid_statistic(stat):
                raise ValueError
            out.append({**q, "stat": stat, "points": cloudwatch.series(
                q["namespace"], q["name"], q.get("dimensions") or {}, stat, minutes, period)})
    except (ValueError, KeyError, TypeError, AttributeError):
        return 400, {"message": "a JSON object: queries [{namespace, name, dimensions, stat}], "
                                "minutes (1..1440), period (a multiple of 60)"}
    return 200, {"clock": cloudwatch.clock.state(), "series": out}
