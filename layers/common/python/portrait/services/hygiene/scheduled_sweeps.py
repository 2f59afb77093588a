"""The event the sweep functions get: EventBridge's scheduled event, whose detail is
{} from a schedule and may carry options on a manual run ({"dry_run": true})."""
from __future__ import annotations

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict


class SweepOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dry_run: bool = False


class ScheduledSweep(EventBridgeModel):
    detail: SweepOptions
