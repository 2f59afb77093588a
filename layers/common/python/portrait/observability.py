"""The one place for logs, traces and metrics (Powertools).

Handlers decorate in this order:
    @logger.inject_lambda_context(correlation_id_path=...)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
Service name comes from POWERTOOLS_SERVICE_NAME (template Globals).
Metrics: `emit(M.X)` / `count_by(M.X, reason=...)` with `from portrait import
metric_catalogue as M`, never Powertools' metrics directly (tests/template checks both).
"""
import os
import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import single_metric

from portrait.metric_catalogue import Kind, Metric, UndeclaredMetric, declared
from portrait.untraced import Untraced

# One namespace per stage ("Portrait/dev"), so dev and prod metrics (and the alarms on them)
# never mix. Read from the environment, not the settings: this module must import even when
# the settings are invalid, to log that they are.
NAMESPACE = (os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
             or f"Portrait/{os.environ.get('STAGE', 'dev')}")
logger = Logger()
# X-Ray traces the AWS calls (boto3 via botocore, and pynamodb). Named rather than
# patch_all(), which at cold start imports and patches whatever it finds installed
# (sqlite3; requests and httpx where present), none of which this code uses. Where
# tracing is off (Powertools' own rule: its setting, or not in Lambda), the X-Ray SDK is
# not loaded at all (portrait.untraced).
if Tracer._is_tracer_disabled():
    tracer = Tracer(provider=Untraced(), disabled=True, auto_patch=False)
else:
    tracer = Tracer(patch_modules=("botocore", "pynamodb"))
metrics = Metrics(namespace=NAMESPACE)
# Most reads publish no metric, by design; Powertools would warn on each of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

__all__ = ["logger", "tracer", "metrics", "emit", "count_by"]


def emit(metric: Metric, value: float | None = None) -> None:
    """Add one value of a catalogued metric (portrait.metric_catalogue) to the invocation's
    metrics, flushed by @metrics.log_metrics: an event counts 1 (no value), an amount or a
    timing needs its value. A metric with dimensions of its own goes through count_by."""
    declared(metric)
    if metric.dimensions:
        raise UndeclaredMetric(f"{metric.name} has dimensions {metric.dimensions}: count_by")
    if (metric.kind is Kind.EVENTS) != (value is None):
        raise ValueError(f"{metric.name} ({metric.kind.value}): "
                         + ("counts 1, no value" if value is not None else "needs a value"))
    metrics.add_metric(name=metric.name, unit=metric.unit, value=1 if value is None else value)


def count_by(metric: Metric, **dimension: str) -> None:
    """Count one event under its own dimension (e.g. reason=corrupt), flushed at once:
    a dimension on `metrics` would apply to every metric of the invocation."""
    declared(metric)
    if metric.kind is not Kind.EVENTS or set(dimension) != set(metric.dimensions):
        raise UndeclaredMetric(f"{metric.name} is counted by {metric.dimensions}, "
                               f"not {tuple(dimension)}")
    with single_metric(name=metric.name, unit=metric.unit, value=1, namespace=NAMESPACE,
                       default_dimensions=metrics.default_dimensions) as line:
        for name, value in dimension.items():
            line.add_dimension(name=name, value=value)
