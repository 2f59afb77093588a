"""Domain events from stream records: which changes mean which event, with seed 002's
fields, and EventPublisherFunction's ordered retry from the first failure."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portrait.config import get_settings
from portrait.services import domain_events
from portrait.store import events
from tests.conftest import load_function_module
from tests.integration.api.http_events import LambdaContext

PROJECT = {"project_id": "01J0000000000000000000000P", "user_id": "01J0000000000000000000000U",
           "username": "alice", "title": "Expense Tracker", "description": "A simple finance app",
           "tags": {"flask", "react"}, "tag_order": "react,flask", "link": None,
           "created_at": "2026-12-02T12:00:00.000Z", "updated_at": "2026-12-02T12:00:00.000Z",
           "version": Decimal(1)}
MEDIA = {"media_id": "01J0000000000000000000000M", "user_id": PROJECT["user_id"],
         "project_id": PROJECT["project_id"], "status": "pending", "content_type": "image/png",
         "upload_key": "tmp/media/u/m/source", "upload_expires_at": Decimal(1),
         "created_at": "2026-12-02T12:00:00Z", "updated_at": "2026-12-02T12:00:00Z",
         "original_filename": "logo.png"}
READY = {**MEDIA, "status": "ready", "display": {
    "key": "media/u/m/display.webp", "width": Decimal(400), "height": Decimal(300),
    "bytes": Decimal(1234), "content_type": "image/webp"},
    "thumbnail": {"key": "media/u/m/thumb.jpg", "width": Decimal(300), "height": Decimal(300),
                  "bytes": Decimal(99), "content_type": "image/jpeg"}}
USER = {"pk": "user#U", "user_id": "U", "username": "alice", "name": "Alice", "credits": Decimal(5)}


def test_project_changes_are_seed_002_events(portfolio) -> None:
    (kind, detail), = _pairs(domain_events.project_events("INSERT", None, PROJECT))
    assert kind == "project.created"
    assert {k: detail[k] for k in ("project_id", "user_id", "username", "title", "description",
                                   "tags", "thumbnail_url")} == {
        "project_id": PROJECT["project_id"], "user_id": PROJECT["user_id"], "username": "alice",
        "title": "Expense Tracker", "description": "A simple finance app",
        "tags": ["react", "flask"], "thumbnail_url": None}
    assert detail["version"] == 1
    changed = {**PROJECT, "title": "Renamed", "version": Decimal(2)}
    assert _pairs(domain_events.project_events("MODIFY", PROJECT, changed))[0][0] == "project.updated"
    (kind, detail), = _pairs(domain_events.project_events("REMOVE", changed, None))
    assert kind == "project.deleted"
    assert detail["project_id"] == PROJECT["project_id"] and detail["version"] == 3


def test_settled_images_and_removals_are_media_events(portfolio) -> None:
    (kind, detail), = _pairs(domain_events.media_events("MODIFY", MEDIA, READY))
    assert kind == "media.ready"
    assert {k: detail[k] for k in ("file_id", "path", "owner_id", "project_id", "mime_type")} == {
        "file_id": MEDIA["media_id"], "path": "media/u/m/display.webp",
        "owner_id": MEDIA["user_id"], "project_id": MEDIA["project_id"], "mime_type": "image/webp"}
    assert (detail["width"], detail["height"]) == (400, 300)
    rejected = {**MEDIA, "status": "rejected", "reject_reason": "corrupt", "reject_message": "m"}
    assert _pairs(domain_events.media_events("MODIFY", MEDIA, rejected))[0][1]["reason"] == "corrupt"
    assert _pairs(domain_events.media_events("MODIFY", READY, READY)) == []  # no status change
    assert _pairs(domain_events.media_events("INSERT", None, MEDIA)) == []
    (kind, detail), = _pairs(domain_events.media_events("REMOVE", READY, None))
    assert (kind, detail["media_id"]) == ("media.deleted", MEDIA["media_id"])


@pytest.mark.parametrize("change, expected", [
    ({"name": "Alice Tan"}, 1), ({"bio": "hi"}, 1), ({"avatar_id": "A"}, 1),
    ({"credits": Decimal(4)}, 0), ({"project_count": Decimal(1)}, 0)])
def test_only_profile_changes_are_profile_updated(portfolio, change, expected) -> None:
    found = _pairs(domain_events.profile_events("MODIFY", USER, {**USER, **change}))
    assert len(found) == expected
    if found:
        assert found[0] == ("profile.updated", {"schema_version": 1, "user_id": "U", "username": "alice",
                                                "name": change.get("name", "Alice"),
                                                "updated_at": None})


def _pairs(events) -> list[tuple[str, dict]]:
    """(name, payload) of each catalogue event, as it goes on the bus."""
    return [(event.detail_type, event.detail()) for event in events]


def _stream_record(table: str, sequence: str, event_name: str, old, new) -> dict:
    from boto3.dynamodb.types import TypeSerializer

    serialize = TypeSerializer().serialize
    def image(values: dict) -> dict:
        return {k: serialize(v) for k, v in values.items()}

    change = {"SequenceNumber": sequence, "StreamViewType": "NEW_AND_OLD_IMAGES",
              "Keys": {"project_id": {"S": PROJECT["project_id"]}}}
    if old:
        change["OldImage"] = image(old)
    if new:
        change["NewImage"] = image(new)
    return {"eventID": sequence, "eventName": event_name, "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "dynamodb": change,
            "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
                              "/stream/2026-12-02T00:00:00.000"}


def test_the_publisher_stops_at_the_first_failure_so_the_shard_retries_in_order(
        portfolio, monkeypatch) -> None:
    table = get_settings().projects_table
    records = [_stream_record(table, "100", "INSERT", None, PROJECT),
               _stream_record(table, "200", "MODIFY", PROJECT,
                              {**PROJECT, "title": "B", "version": Decimal(2)}),
               _stream_record(table, "300", "MODIFY", PROJECT,
                              {**PROJECT, "title": "C", "version": Decimal(3)})]
    sent = []

    def publish(event):
        if event.title == "B" and not sent[1:]:
            sent.append(None)
            raise events.PublishFailed("the bus said no")
        sent.append((event.detail_type, event.title))

    monkeypatch.setattr(events, "publish", publish)
    handler = load_function_module(portfolio.template, "EventPublisherFunction").lambda_handler
    context = LambdaContext(function_name="portrait-local-EventPublisherFunction")
    first = handler({"Records": records}, context)
    assert first == {"batchItemFailures": [{"itemIdentifier": "200"}]}
    assert sent == [("project.created", "Expense Tracker"), None]  # C waited for B
    assert handler({"Records": records[1:]}, context) == {"batchItemFailures": []}
    assert sent[2:] == [("project.updated", "B"), ("project.updated", "C")]
