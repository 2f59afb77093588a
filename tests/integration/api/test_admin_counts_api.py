"""/admin/counts/*: the counts from stream records (EventPublisherFunction's handler, each
record counted once however often it is delivered), the backfill that seeds them from
the tables, and the storage totals StorageCountsFunction lists (also in /health)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeSerializer

from portrait import clock
from portrait.config import get_settings
from portrait.services.counts.backfill import seed_counters
from portrait.store.aws import client as aws_client
from tests.conftest import load_function_module
from tests.integration.api.avatar_support import member  # noqa: F401 (fixture)
from tests.integration.api.http_events import LambdaContext

ROUTES = ["/admin/counts/storage", "/admin/counts/avatars", "/admin/counts/users",
          "/admin/counts/generations"]
_serialize = TypeSerializer().serialize


def _record(table: str, event_id: str, event_name: str, old: dict | None, new: dict | None,
            keys: dict) -> dict:
    change = {"SequenceNumber": event_id.rjust(21, "0"), "StreamViewType": "NEW_AND_OLD_IMAGES",
              "Keys": {k: _serialize(v) for k, v in keys.items()}}
    if old:
        change["OldImage"] = {k: _serialize(v) for k, v in old.items()}
    if new:
        change["NewImage"] = {k: _serialize(v) for k, v in new.items()}
    return {"eventID": f"evt-{event_id}", "eventName": event_name, "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "dynamodb": change,
            "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
                              "/stream/2026-12-07T00:00:00.000"}


def _avatar(status: str, avatar_id: str = "01J000000000000000000000AV") -> dict:
    now = clock.now_iso()
    return {"user_id": "01J000000000000000000000US", "avatar_id": avatar_id, "status": status,
            "source": "upload", "created_at": now, "updated_at": now}


def _user(**more) -> dict:
    return {"pk": "user#01J000000000000000000000US", "user_id": "01J000000000000000000000US",
            "username": "alice", "name": "Alice", "credits": Decimal(5), **more}


def _generation(status: str) -> dict:
    return {"user_id": "01J000000000000000000000US", "generation_id": "01J000000000000000000000GE",
            "pose_id": "p1", "status": status, "quality": "sd", "priority": False,
            "credits_charged": Decimal(1), "content_type": "image/jpeg",
            "input_key": "tmp/generations/u/g/source", "created_at": "2026-12-07T00:00:00.000Z",
            "updated_at": "2026-12-07T00:00:00.000Z", "upload_expires_at": Decimal(1)}


@pytest.fixture
def publisher(template):
    module = load_function_module(template, "EventPublisherFunction")
    return lambda records: module.lambda_handler({"Records": records}, LambdaContext())


def _life_records() -> list[dict]:
    """A user registers, gets an avatar, deletes it and restores it; a second avatar is
    rejected; one generation completes, another is pending."""
    s = get_settings()
    avatar_keys = {"user_id": "01J000000000000000000000US", "avatar_id": "01J000000000000000000000AV"}
    other = "01J000000000000000000000AX"
    other_keys = {**avatar_keys, "avatar_id": other}
    generation_keys = {"user_id": "01J000000000000000000000US", "generation_id": "01J000000000000000000000GE"}
    return [
        _record(s.users_table, "1", "INSERT", None, _user(), {"pk": _user()["pk"]}),
        _record(s.users_table, "2", "INSERT", None, {"pk": "username#alice", "user_id": "U"},
                {"pk": "username#alice"}),  # a guard item: no user
        _record(s.avatars_table, "3", "INSERT", None, _avatar("pending"), avatar_keys),
        _record(s.avatars_table, "4", "MODIFY", _avatar("pending"), _avatar("ready"), avatar_keys),
        _record(s.users_table, "5", "MODIFY", _user(), _user(avatar_id=avatar_keys["avatar_id"]),
                {"pk": _user()["pk"]}),
        _record(s.avatars_table, "6", "MODIFY", _avatar("ready"), _avatar("deleted"), avatar_keys),
        _record(s.avatars_table, "7", "MODIFY", _avatar("deleted"), _avatar("ready"), avatar_keys),
        _record(s.avatars_table, "8", "INSERT", None, _avatar("pending", other), other_keys),
        _record(s.avatars_table, "9", "MODIFY", _avatar("pending", other), _avatar("rejected", other),
                other_keys),
        _record(s.generations_table, "10", "INSERT", None, _generation("pending"), generation_keys),
        _record(s.generations_table, "11", "MODIFY", _generation("pending"),
                _generation("processing"), generation_keys),
        _record(s.generations_table, "12", "MODIFY", _generation("processing"),
                _generation("completed"), generation_keys),
        _record(s.generations_table, "13", "INSERT", None,
                {**_generation("pending"), "generation_id": "01J000000000000000000000G2"},
                {**generation_keys, "generation_id": "01J000000000000000000000G2"}),
    ]


EXPECTED_AVATARS = {"current": 1, "deleted_awaiting_purge": 0, "pending": 0, "rejected": 1,
                    "expired": 0, "purged": 0}
EXPECTED_USERS = {"total": 1, "without_avatar": 0}
EXPECTED_GENERATIONS = {"by_state": {"pending": 1, "processing": 0, "completed": 1,
                                     "failed": 0, "expired": 0}}


def _counts(api, token: str) -> tuple[dict, dict, dict]:
    replies = [api.get(path, token=token) for path in ROUTES[1:]]
    assert all(reply.status == 200 for reply in replies), [r.body for r in replies]
    return tuple(reply.json() for reply in replies)


@pytest.mark.parametrize("path", ROUTES)
def test_count_routes_are_for_admins_only(api, member, path) -> None:
    anonymous = api.get(path)
    assert anonymous.status == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    normal = api.get(path, token=member["token"])
    assert normal.status == 403 and normal.error_code == "admin_required", normal.body


def test_stream_records_move_the_counts_once_however_often_delivered(api, admin, publisher) -> None:
    baseline_users = _counts(api, admin["token"])[1]  # the admin is a user the stream never saw
    records = _life_records()
    assert publisher(records) == {"batchItemFailures": []}
    expected_users = {k: v + baseline_users[k] for k, v in EXPECTED_USERS.items()}
    assert _counts(api, admin["token"]) == (EXPECTED_AVATARS, expected_users, EXPECTED_GENERATIONS)
    # At least once: the whole batch again, then its second half again (a retry from a
    # failed record), change nothing.
    assert publisher(records) == {"batchItemFailures": []}
    assert publisher(records[6:]) == {"batchItemFailures": []}
    assert _counts(api, admin["token"]) == (EXPECTED_AVATARS, expected_users, EXPECTED_GENERATIONS)
    # TTL removes the avatar once deleted past its grace; the purge leaves a tombstone.
    s, keys = get_settings(), {"user_id": "01J000000000000000000000US",
                               "avatar_id": "01J000000000000000000000AV"}
    assert publisher([
        _record(s.avatars_table, "14", "MODIFY", _avatar("ready"), _avatar("deleted"), keys),
        _record(s.users_table, "15", "MODIFY", _user(avatar_id=keys["avatar_id"]), _user(),
                {"pk": _user()["pk"]}),
        _record(s.avatars_table, "16", "REMOVE", _avatar("deleted"), None, keys),
        _record(s.avatars_table, "17", "INSERT", None, _avatar("purged"), keys),
    ]) == {"batchItemFailures": []}
    avatars, users, _ = _counts(api, admin["token"])
    assert avatars == {**EXPECTED_AVATARS, "current": 0, "purged": 1}
    assert users == {**expected_users, "without_avatar": expected_users["without_avatar"] + 1}


def test_a_record_that_fails_to_count_is_retried_from_and_counted_once(
        api, admin, publisher, monkeypatch) -> None:
    from portrait.store.counts import counters

    records = _life_records()[2:5]  # pending, ready, the user's pointer
    real, calls = counters.add_once, []

    def flaky(kind, record_id, changes, *, now):
        calls.append(record_id)
        if record_id == "evt-4" and calls.count("evt-4") == 1:
            raise RuntimeError("DynamoDB unavailable")
        return real(kind, record_id, changes, now=now)

    monkeypatch.setattr(counters, "add_once", flaky)
    failed = publisher(records)
    assert failed == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}
    # Lambda retries the shard from the failed record.
    assert publisher(records[1:]) == {"batchItemFailures": []}
    avatars = _counts(api, admin["token"])[0]
    assert (avatars["pending"], avatars["current"]) == (0, 1)


def test_the_backfill_sets_the_counts_from_the_tables_and_the_stream_goes_on_from_there(
        api, admin, member, publisher) -> None:
    s, dynamodb = get_settings(), aws_client("dynamodb")
    now = clock.now_iso()
    for n, status in enumerate(["ready", "ready", "deleted", "pending", "rejected"]):
        dynamodb.put_item(TableName=s.avatars_table, Item={k: _serialize(v) for k, v in {
            "user_id": f"01J00000000000000000000B{n}", "avatar_id": f"01J00000000000000000000A{n}",
            "status": status, "source": "upload", "created_at": now, "updated_at": now}.items()})
    dynamodb.put_item(TableName=s.generations_table,
                      Item={k: _serialize(v) for k, v in _generation("failed").items()})
    report = seed_counters()
    assert report.figures["users"] == {"total": 2, "without_avatar": 2}  # the admin, the member
    avatars, users, generations = _counts(api, admin["token"])
    assert avatars == {"current": 2, "deleted_awaiting_purge": 1, "pending": 1, "rejected": 1,
                       "expired": 0, "purged": 0}
    assert users == {"total": 2, "without_avatar": 2}
    assert generations["by_state"]["failed"] == 1
    # From there the stream moves them: a new user registers.
    assert publisher([_record(s.users_table, "50", "INSERT", None, _user(),
                              {"pk": _user()["pk"]})]) == {"batchItemFailures": []}
    assert _counts(api, admin["token"])[1] == {"total": 3, "without_avatar": 3}
    # Run again, it sets them afresh (not on top): the stream's user is not in the table.
    seed_counters()
    assert _counts(api, admin["token"])[1] == {"total": 2, "without_avatar": 2}


def test_storage_totals_are_listed_by_the_schedule_and_answered_with_their_age(
        api, admin, template, monkeypatch) -> None:
    s3, bucket = aws_client("s3"), get_settings().media_bucket
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
    before = api.get("/admin/counts/storage", token=admin["token"]).json()
    assert before["as_of"] is None and before["prefixes"]["avatars"] == {"objects": 0, "bytes": 0}
    for key, size in [("avatars/u/a/64.webp", 100), ("avatars/u/a/128.webp", 200),
                      ("media/u/m/thumb.jpg", 50), ("tmp/avatars/u/x/source", 7),
                      ("poses/p1.png", 1000)]:  # not a counted prefix
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    run = load_function_module(template, "StorageCountsFunction").lambda_handler(
        {"detail-type": "Scheduled Event", "detail": {}}, LambdaContext())
    assert run["seeded"] is not None  # nothing was seeded: the first run does it
    again = load_function_module(template, "StorageCountsFunction").lambda_handler(
        {"detail-type": "Scheduled Event", "detail": {}}, LambdaContext())
    assert again["seeded"] is None  # once only: the streams keep the counts from there
    listed_at = clock.epoch_of(again["as_of"])
    monkeypatch.setattr(clock, "now", lambda: int(listed_at) + 90)
    reply = api.get("/admin/counts/storage", token=admin["token"]).json()
    assert reply["prefixes"] == {"avatars": {"objects": 2, "bytes": 300},
                                 "media": {"objects": 1, "bytes": 50},
                                 "generations": {"objects": 0, "bytes": 0},
                                 "tmp": {"objects": 1, "bytes": 7}}
    assert reply["as_of"] == again["as_of"] and reply["age_seconds"] in (89, 90)
    health = api.get("/health").json()
    assert health["storage"]["prefixes"] == reply["prefixes"]
    assert health["storage"]["as_of"] == reply["as_of"]
