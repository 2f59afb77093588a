"""GenerationRouterFunction: generation photos, from the queue the media bucket notifies
(tmp/generations/), forwarded to the priority or the standard generations queue.

Each record's S3 notification goes on unchanged, one upload per message, so
the generate functions read exactly what S3 sent. A message that fails is
reported in batchItemFailures and comes back (then the dead-letter queue).
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.s3_events import created_objects, notification_body
from portrait.services.generations.routing import route_generation_upload

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> list[str]:
    return [route_generation_upload(upload.key, notification_body(upload.record))
            for upload in created_objects(record.body)]


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
