"""WebhookSweepFunction: every minute, the webhook attempts whose wait outlasts SQS's
15-minute delay, and any lost on the way, are queued (portrait.services.webhooks.sweep).
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.webhooks.sweep import sweep_due_deliveries


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return sweep_due_deliveries().as_dict()


coldstart.loaded()  # last: everything above is loaded
