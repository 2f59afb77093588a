"""S3 notifications in SQS message bodies: what is taken, what is skipped, what fails."""
from __future__ import annotations

import json

import pytest

from portrait.s3_events import NotAnS3Notification, created_objects, notification_body


def _record(key="tmp/avatars/u/up/source", event="ObjectCreated:Post", **object_fields):
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": event,
            "userIdentity": {"principalId": "AWS:x"},
            "s3": {"bucket": {"name": "media", "arn": "arn:aws:s3:::media"},
                   "object": {"key": key, "size": 1234, "eTag": "abc123", **object_fields}}}


def test_created_objects_are_read_with_their_keys_decoded():
    body = json.dumps({"Records": [_record(key="tmp/media/u/up/my+photo%281%29.jpg")]})
    [created] = created_objects(body)
    assert (created.bucket, created.key, created.etag, created.size) == (
        "media", "tmp/media/u/up/my photo(1).jpg", "abc123", 1234)
    assert created.upload().key == created.key
    assert created.record["userIdentity"] == {"principalId": "AWS:x"}  # kept as S3 sent it


def test_other_events_and_the_test_event_give_nothing():
    removed = _record(event="ObjectRemoved:Delete")
    assert created_objects(json.dumps({"Records": [removed]})) == []
    assert created_objects(json.dumps(
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "media"})) == []


def test_size_is_optional():
    record = _record()
    del record["s3"]["object"]["size"]
    assert created_objects(json.dumps({"Records": [record]}))[0].size is None


@pytest.mark.parametrize("body", [
    "not json",
    "[1, 2]",
    json.dumps({"Records": "x"}),
    json.dumps({"something": "else"}),
    json.dumps({"Records": [{"s3": {}}]}),  # no eventName
    json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {}}}]}),
    json.dumps({"Records": [_record(eTag="")]}),
    json.dumps({"Records": [_record(key=17)]}),
    json.dumps({"Records": [_record(size="12")]}),
    json.dumps({"Records": [7]}),
])
def test_a_body_that_is_no_notification_fails_with_its_reason(body):
    with pytest.raises(NotAnS3Notification):
        created_objects(body)


def test_notification_body_round_trips():
    record = _record()
    assert created_objects(notification_body(record))[0].record == record
