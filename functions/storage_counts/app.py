"""StorageCountsFunction: the storage totals by prefix, on an EventBridge schedule (hourly),
and the record counts seeded from the tables on its first run after a deploy.

One service call (portrait.services.counts.refresh); `portrait counts storage` and
`portrait counts backfill` do the same on demand.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.counts.refresh import refresh_counts


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return refresh_counts()


coldstart.loaded()  # last: everything above is loaded
