"""WebhookFanoutFunction: every domain event -> one delivery per webhook endpoint of its
user that takes it (portrait.services.webhooks.fanout).

WebhookEventsRule sends every `portrait` event to WebhookEventsQueue; each message is one
EventBridge event. Fan-out is idempotent (a delivery per endpoint and event id, created
once), so at-least-once delivery is safe; a message that fails comes back, then goes to
the dead-letter queue.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.services.webhooks.fanout import fan_out

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> int:
    event = parse(event=record.body, model=EventBridgeModel)
    return fan_out(event.detail_type, event.detail)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
