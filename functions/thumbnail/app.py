"""ThumbnailFunction: portfolio uploads, from the queue the media bucket notifies (tmp/media/).

As ResizeFunction: each SQS message body is an S3 event notification, each
upload in it one service call (process_media_upload). A message that fails
(AWS trouble, a body that is no S3 event) is reported in batchItemFailures and
comes back, and after maxReceiveCount moves to the dead-letter queue; uploads
that can never succeed (rejected images, keys we did not issue) complete.
"""
from __future__ import annotations

from portrait import coldstart  # first: no garbage collection while the handler loads

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portrait.observability import logger, metrics, tracer
from portrait.s3_events import created_objects
from portrait.services.portfolio.media_processing import process_media_upload
from portrait.store.idempotency import register_lambda_context

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> list[str]:
    uploads = created_objects(record.body)
    if not uploads:
        logger.info("no created objects in the message (the S3 test event?)")
    return [process_media_upload(upload=u.upload()).outcome for u in uploads]


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)


coldstart.loaded()  # last: everything above is loaded
