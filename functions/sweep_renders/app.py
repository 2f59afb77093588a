"""SweepRendersFunction: renders past their deadline are failed and refunded, on an
EventBridge schedule (every 5 minutes). A manual run may ask for a dry run with
{"detail": {"dry_run": true}} (`portrait invoke SweepRendersFunction -e
events/sweep-renders-schedule.json`).
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.generations.lost_renders import sweep_lost_renders
from portrait.services.hygiene.scheduled_sweeps import ScheduledSweep


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    request = parse(event=event, model=ScheduledSweep)
    return sweep_lost_renders(dry_run=request.detail.dry_run).as_dict()


coldstart.loaded()  # last: everything above is loaded
