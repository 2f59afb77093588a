"""S3 event notifications as they arrive in an SQS message body (no AWS calls).

Shared by the functions fed from the bucket's queues: each message body is
one notification, or the test event S3 sends once when a notification
configuration is set up.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, Field, TypeAdapter, field_validator


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


# pydantic's own adapter, as Powertools' parse() would build: that module (and the
# network types it loads) costs the S3-fed functions' cold start ~5 ms for nothing more.
_MESSAGE_BODY = TypeAdapter(S3TestEvent | S3Notification)


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
    """The ObjectCreated records of one message body ([] for the test event);
    raises a validation error for a body that is no S3 notification."""
    notification = _MESSAGE_BODY.validate_json(body)
    if isinstance(notification, S3TestEvent):
        return []
    raw = json.loads(body)["Records"]
    return [CreatedObject(bucket=item.s3.bucket.name, key=item.s3.object.key,
                          etag=item.s3.object.eTag, size=item.s3.object.size, record=original)
            for item, original in zip(notification.Records, raw)
            if item.eventName.startswith("ObjectCreated:")]


def notification_body(record: dict[str, Any]) -> str:
    """A message body holding one notification record, as S3 itself would send it."""
    return json.dumps({"Records": [record]})
