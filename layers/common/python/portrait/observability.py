"""The one place for logs, traces and metrics (Powertools).

Handlers decorate in this order:
    @logger.inject_lambda_context(correlation_id_path=...)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
Service name comes from POWERTOOLS_SERVICE_NAME (template Globals).
"""
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Portrait")

__all__ = ["logger", "tracer", "metrics", "MetricUnit"]
