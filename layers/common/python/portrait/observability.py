"""The one place for logs, traces and metrics (Powertools).

Handlers decorate in this order:
    @logger.inject_lambda_context(correlation_id_path=...)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
Service name comes from POWERTOOLS_SERVICE_NAME (template Globals).
"""
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Portrait"
logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace=NAMESPACE)

__all__ = ["logger", "tracer", "metrics", "MetricUnit", "count_by"]


def count_by(name: str, **dimension: str) -> None:
    """Count one event under its own dimension (e.g. reason=corrupt), flushed at once:
    a dimension on `metrics` would apply to every metric of the invocation."""
    (dim_name, dim_value), = dimension.items()
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE,
                       default_dimensions=metrics.default_dimensions) as metric:
        metric.add_dimension(name=dim_name, value=dim_value)
