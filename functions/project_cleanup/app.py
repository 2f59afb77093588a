"""ProjectCleanupFunction: a deleted project's images, from project.deleted events.

The ProjectDeletedRule on the bus sends each project.deleted event to
ProjectCleanupQueue; every message is one EventBridge event. Removal is
idempotent (a repeat finds nothing left), so at-least-once delivery is safe;
a message that fails comes back, then goes to the dead-letter queue.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from portrait.observability import logger, metrics, tracer
from portrait.services.portfolio.media_removal import remove_project_media

processor = BatchProcessor(event_type=EventType.SQS)


class ProjectDeleted(BaseModel):
    project_id: str


class ProjectDeletedEvent(EventBridgeModel):
    detail: ProjectDeleted


def record_handler(record: SQSRecord) -> int:
    event = parse(event=record.body, model=ProjectDeletedEvent)
    if event.detail_type != "project.deleted":
        logger.warning("not a project.deleted event; skipped", extra={"detail_type": event.detail_type})
        return 0
    return remove_project_media(event.detail.project_id)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
