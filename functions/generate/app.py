"""GenerateFunction and GeneratePriorityFunction (one code, two queues): generation
photos forwarded by the router; each upload goes to process_generation_upload, which
checks the photo and submits the render (the portrait comes back to
RenderCompleteFunction, not here).

A retryable error (the render endpoint refusing) is reported in batchItemFailures
and the message comes back; the service counts deliveries (ApproximateReceiveCount)
and gives up, refunding, after a few.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.s3_events import created_objects
from portrait.services.generations.processing import (
    process_generation_upload,
    register_lambda_context,
)

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> list[str]:
    attempt = int(record.attributes.approximate_receive_count or 1)
    return [process_generation_upload(upload=u.upload(), attempt=attempt).outcome
            for u in created_objects(record.body)]


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
