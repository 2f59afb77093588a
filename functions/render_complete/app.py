"""RenderCompleteFunction: inference results (success or error, SageMaker's JSON, raw or
inside an SNS envelope) from the completion queue; each settles its generation
(portrait.services.generations.completion). A message that is not an inference result
is logged and dropped: no retry would make it one.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from portrait.observability import logger, metrics, tracer
from portrait.rendering.results import NotANotification, parse_notification
from portrait.services.generations.completion import complete_render

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    try:
        result = parse_notification(record.body)
    except NotANotification as exc:
        logger.warning("dropped a message that is not an inference result",
                       extra={"message_id": record.message_id, "detail": str(exc)})
        return "dropped"
    return complete_render(result)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
