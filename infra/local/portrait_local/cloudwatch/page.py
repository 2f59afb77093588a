"""The ops page's data: the golden signals of the last hour by minute (charts drawn as
SVG on the server, with their datapoints), and the alarms. The page itself (page/) adds
the counts of the admin routes, called with the signed-in admin's token."""
from __future__ import annotations

from pathlib import Path

from portrait_local.cloudwatch.charts import line_chart
from portrait_local.cloudwatch.service import LocalCloudWatch
from portrait_local.cloudwatch.store import minute_of

PAGE_DIR = Path(__file__).with_name("page")
MINUTES = 60
# (chart id, title, unit, [(namespace or None for the product's, metric, statistic)]): every
# dimension set a metric was published with gets its own line (AvatarRejected by reason).
CHARTS = [
    ("api-requests", "API requests", "count",
     [("AWS/ApiGateway", "Count", "Sum"), ("AWS/ApiGateway", "4xx", "Sum"),
      ("AWS/ApiGateway", "5xx", "Sum")]),
    ("api-latency", "API latency", "ms",
     [("AWS/ApiGateway", "Latency", "p50"), ("AWS/ApiGateway", "Latency", "p99")]),
    ("avatars", "Avatars processed and rejected (by reason)", "count",
     [(None, "AvatarProcessed", "Sum"), (None, "AvatarsRejected", "Sum"),
      (None, "AvatarRejected", "Sum")]),
    ("avatar-time", "Avatar processing time", "ms",
     [(None, "AvatarProcessingTime", "p50"), (None, "AvatarProcessingTime", "p99")]),
    ("media", "Media processed and rejected", "count",
     [(None, "MediaProcessed", "Sum"), (None, "MediaRejected", "Sum")]),
    ("generations", "Generations", "count",
     [(None, "GenerationSubmitted", "Sum"), (None, "GenerationStarted", "Sum"),
      (None, "GenerationCompleted", "Sum"), (None, "GenerationFailed", "Sum")]),
    ("credits", "Credits", "credits",
     [(None, "CreditsCharged", "Sum"), (None, "CreditsRefunded", "Sum"),
      (None, "CreditsGranted", "Sum")]),
    ("webhooks", "Webhook deliveries", "count",
     [(None, "WebhookAttempts", "Sum"), (None, "WebhookDeliveriesParked", "Sum")]),
    ("dlq", "Dead-letter and failure queues (messages visible)", "messages",
     [("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")]),
]


def _is_parking_queue(name: str) -> bool:
    return "DeadLetter" in name or "Failures" in name


def _series(cloudwatch: LocalCloudWatch, namespace: str, name: str, stat: str) -> list[dict]:
    known = [m["dimensions"] for m in cloudwatch.metric_list(namespace, name)]
    if name == "ApproximateNumberOfMessagesVisible":
        known = [d for d in known if _is_parking_queue(d.get("QueueName", ""))]
    out = []
    for dims in known:
        extra = {k: v for k, v in dims.items() if k not in ("service", "ApiId", "QueueName")}
        label = dims.get("QueueName", "").rsplit("-", 1)[-1] if "QueueName" in dims else name
        label += "".join(f" {v}" for v in extra.values())
        if not stat == "Sum" and namespace != "AWS/SQS":
            label += f" {stat}"
        out.append({"label": label, "metric": name, "namespace": namespace, "dimensions": dims,
                    "stat": stat,
                    "points": cloudwatch.series(namespace, name, dims, stat, MINUTES)})
    return out


def dashboard(cloudwatch: LocalCloudWatch) -> dict:
    end = minute_of(cloudwatch.clock.now()) + 60
    start = end - MINUTES * 60
    charts = []
    for chart_id, title, unit, metrics in CHARTS:
        series = [s for namespace, name, stat in metrics
                  for s in _series(cloudwatch, namespace or cloudwatch.namespace, name, stat)]
        note = None
        if chart_id == "dlq":  # a line per queue that held a message; the empty ones, counted
            sampled = len(series)
            series = [s for s in series if any(v for _, v in s["points"])]
            note = f"{sampled} queues sampled each minute; {sampled - len(series)} stayed empty."
        charts.append({"id": chart_id, "title": title, "unit": unit, "series": series,
                       "note": note, "svg": line_chart(series, start, end, unit)})
    alarms = cloudwatch.alarms_document()
    return {"clock": alarms["clock"], "start": start, "end": end, "charts": charts,
            "alarms": [{k: a[k] for k in ("name", "state", "reason", "updated", "description")}
                       for a in alarms["alarms"]],
            "not_readable": alarms["not_readable"]}
