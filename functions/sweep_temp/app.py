"""SweepTempFunction: abandoned uploads under tmp/, on an EventBridge schedule (hourly).

One service call. A manual run may ask for a dry run with {"detail": {"dry_run": true}}
(e.g. `portrait invoke SweepTempFunction -e events/sweep-temp-schedule.json`).
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.hygiene.scheduled_sweeps import ScheduledSweep
from portrait.services.hygiene.temp_sweep import sweep_temp_uploads


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = parse(event=event, model=ScheduledSweep)
    return sweep_temp_uploads(dry_run=request.detail.dry_run).as_dict()


coldstart.loaded()  # last: everything above is loaded
