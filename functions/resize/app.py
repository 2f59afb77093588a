"""ResizeFunction: avatar uploads, from the queue the media bucket notifies (tmp/avatars/).

Each SQS message body is an S3 event notification. Every upload in it goes to
one service call, process_avatar_upload; a message that fails (an avatar not
visible yet, AWS trouble, a body that is no S3 event) is reported in
batchItemFailures, so only it comes back, and after maxReceiveCount it moves
to the dead-letter queue. Uploads that can never succeed (keys we did not
issue, rejected images) complete normally: retrying them would not help.
"""
from __future__ import annotations

from typing import Literal
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field, field_validator

from portrait.observability import logger, metrics, tracer
from portrait.services.avatar_processing import (
    AvatarUpload,
    process_avatar_upload,
    register_lambda_context,
)

# Lenient on purpose: S3, and emulators such as moto, differ in the fields they
# add (userIdentity, ownerIdentity, ...); these are the ones we rely on.
class S3Object(BaseModel):
    key: str
    size: int | None = None
    eTag: str = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _url_decoded(cls, key: str) -> str:
        return unquote_plus(key)  # S3 URL-encodes keys in notifications ("+" for a space)


class S3Bucket(BaseModel):
    name: str


class S3Entity(BaseModel):
    bucket: S3Bucket
    object: S3Object


class S3NotificationRecord(BaseModel):
    eventName: str
    s3: S3Entity


class S3Notification(BaseModel):
    Records: list[S3NotificationRecord]


class S3TestEvent(BaseModel):
    """What S3 sends once when a notification configuration is set up."""

    Event: Literal["s3:TestEvent"]
    Bucket: str


processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> list[str]:
    notification = parse(event=record.body, model=S3TestEvent | S3Notification)
    if isinstance(notification, S3TestEvent):
        logger.info("dropping the S3 test event", extra={"bucket": notification.Bucket})
        return []
    outcomes = []
    for item in notification.Records:
        if not item.eventName.startswith("ObjectCreated:"):
            continue
        upload = AvatarUpload(bucket=item.s3.bucket.name, key=item.s3.object.key,
                              etag=item.s3.object.eTag, size=item.s3.object.size)
        outcomes.append(process_avatar_upload(upload=upload).outcome)
    return outcomes


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=processor, context=context)
