"""WebhookDeliveryFunction: one attempt per message of WebhookDeliveriesQueue
(portrait.services.webhooks.attempt): sign, POST, record, plan the next.

A failed attempt is a recorded outcome, not an error: the message is done and the next
attempt is a message of its own. Only a failure of ours (a table or the queue) fails the
record, which SQS then redelivers; the claim keeps a redelivery from sending twice.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from portrait.observability import logger, metrics, tracer
from portrait.services.webhooks.attempt import AttemptRequest, attempt_delivery

processor = BatchProcessor(event_type=EventType.SQS)


class AttemptMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint_id: str
    delivery_id: str
    user_id: str
    attempt: int


def record_handler(record: SQSRecord) -> str:
    message = parse(event=record.body, model=AttemptMessage)
    return attempt_delivery(AttemptRequest(**message.model_dump()))


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
