"""S3 event notifications as they arrive in an SQS message body (no AWS calls).

Shared by the functions fed from the bucket's queues: each message body is
one notification, or the test event S3 sends once when a notification
configuration is set up.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

# Powertools' data class, not pydantic models of our own: the batch utility these functions
# run under has already loaded it, and building the models cost each cold start ~1 %.
from aws_lambda_powertools.utilities.data_classes.s3_event import S3Event, S3EventRecord


class NotAnS3Notification(ValueError):
    """A message body that is neither an S3 event notification nor S3's test event."""


@dataclass(frozen=True)
class UploadedObject:
    """What a processor needs of one ObjectCreated notification; its identity for
    idempotency is (bucket, key, etag)."""

    bucket: str
    key: str  # URL-decoded
    etag: str
    size: int | None = None


@dataclass(frozen=True)
class CreatedObject:
    bucket: str
    key: str  # URL-decoded
    etag: str
    size: int | None
    record: dict[str, Any] = field(repr=False)  # the notification record as S3 sent it

    def upload(self) -> UploadedObject:
        return UploadedObject(bucket=self.bucket, key=self.key, etag=self.etag, size=self.size)


def created_objects(body: str) -> list[CreatedObject]:
    """The ObjectCreated records of one message body ([] for the test event); raises
    NotAnS3Notification for a body that is no S3 notification (the record then fails)."""
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise NotAnS3Notification(f"the body is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise NotAnS3Notification("the body is not a JSON object")
    if message.get("Event") == "s3:TestEvent":  # sent once when a configuration is set up
        return []
    if not isinstance(message.get("Records"), list):  # the data class would iterate a string
        raise NotAnS3Notification("the body has no Records list")
    return [_created(record, index) for index, record in enumerate(S3Event(message).records)
            if _event_name(record, index).startswith("ObjectCreated:")]


def _event_name(record: S3EventRecord, index: int) -> str:
    try:
        name = record.event_name
    except (KeyError, TypeError):  # no eventName, or a record that is no JSON object
        name = None
    if not isinstance(name, str):
        raise NotAnS3Notification(f"Records[{index}] has no eventName")
    return name


def _created(record: S3EventRecord, index: int) -> CreatedObject:
    # Lenient on purpose: S3, and emulators such as moto, differ in the fields they add
    # (userIdentity, ownerIdentity, ...); these are the ones relied on, checked here
    # because the data class reads keys without validating them.
    try:
        bucket, item = record.s3.bucket.name, record.s3.get_object
        key, etag, size = item["key"], item.etag, item.get("size")
    except (KeyError, TypeError, AttributeError):
        raise NotAnS3Notification(
            f"Records[{index}] lacks s3.bucket.name or s3.object.key") from None
    if not (isinstance(bucket, str) and isinstance(key, str) and isinstance(etag, str) and etag):
        raise NotAnS3Notification(f"Records[{index}]: bucket, key and eTag must be non-empty text")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
        raise NotAnS3Notification(f"Records[{index}]: s3.object.size must be an integer")
    # S3 URL-encodes keys in notifications ("+" for a space); the data class leaves it so.
    return CreatedObject(bucket=bucket, key=unquote_plus(key), etag=etag, size=size,
                         record=record.raw_event)


def notification_body(record: dict[str, Any]) -> str:
    """A message body holding one notification record, as S3 itself would send it."""
    return json.dumps({"Records": [record]})
