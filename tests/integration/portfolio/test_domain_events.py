"""Domain events from stream records: which changes mean which event, with seed 002's
fields and the API's resource shapes, event ids stable across redeliveries, and
EventPublisherFunction's ordered retry from the first failure."""
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
T0 = 1796582448.0


def change(event_name: str, old, new, record_id: str = "rec-1") -> domain_events.Change:
    return domain_events.Change(event_name=event_name, old=old, new=new, record_id=record_id,
                                committed_at=T0)


def test_project_changes_are_seed_002_events(portfolio) -> None:
    (kind, detail), = _pairs(domain_events.project_events(change("INSERT", None, PROJECT)))
    assert kind == "project.created"
    assert {k: detail[k] for k in ("project_id", "user_id", "username", "title", "description",
                                   "tags", "thumbnail_url")} == {
        "project_id": PROJECT["project_id"], "user_id": PROJECT["user_id"], "username": "alice",
        "title": "Expense Tracker", "description": "A simple finance app",
        "tags": ["react", "flask"], "thumbnail_url": None}
    assert detail["version"] == 1
    changed = {**PROJECT, "title": "Renamed", "version": Decimal(2)}
    assert _pairs(domain_events.project_events(change("MODIFY", PROJECT, changed)))[0][0] == "project.updated"
    (kind, detail), = _pairs(domain_events.project_events(change("REMOVE", changed, None)))
    assert kind == "project.deleted"
    assert detail["project_id"] == PROJECT["project_id"] and detail["version"] == 3


def test_settled_images_and_removals_are_media_events(portfolio) -> None:
    (kind, detail), = _pairs(domain_events.media_events(change("MODIFY", MEDIA, READY)))
    assert kind == "media.ready"
    assert {k: detail[k] for k in ("file_id", "path", "owner_id", "project_id", "mime_type")} == {
        "file_id": MEDIA["media_id"], "path": "media/u/m/display.webp",
        "owner_id": MEDIA["user_id"], "project_id": MEDIA["project_id"], "mime_type": "image/webp"}
    assert (detail["width"], detail["height"]) == (400, 300)
    # The media item as GET /media/{id} answers it, with lasting URLs (none without a CDN).
    assert detail["media"]["media_id"] == MEDIA["media_id"] and detail["media"]["status"] == "ready"
    assert detail["media"]["download_url"] is None and detail["media"]["file_url"] is None
    rejected = {**MEDIA, "status": "rejected", "reject_reason": "corrupt", "reject_message": "m"}
    assert _pairs(domain_events.media_events(change("MODIFY", MEDIA, rejected)))[0][1]["reason"] == "corrupt"
    assert _pairs(domain_events.media_events(change("MODIFY", READY, READY))) == []  # no status change
    assert _pairs(domain_events.media_events(change("INSERT", None, MEDIA))) == []
    (kind, detail), = _pairs(domain_events.media_events(change("REMOVE", READY, None)))
    assert (kind, detail["media_id"]) == ("media.deleted", MEDIA["media_id"])


@pytest.mark.parametrize("fields, expected", [
    ({"name": "Alice Tan"}, 1), ({"bio": "hi"}, 1), ({"avatar_id": "A"}, 1),
    ({"credits": Decimal(4)}, 0), ({"project_count": Decimal(1)}, 0)])
def test_only_profile_changes_are_profile_updated(portfolio, fields, expected) -> None:
    found = _pairs(domain_events.profile_events(change("MODIFY", USER, {**USER, **fields})))
    assert len(found) == expected
    if found:
        kind, detail = found[0]
        assert kind == detail["type"] == "profile.updated"
        assert detail["event_id"].startswith("evt_") and detail["schema_version"] == 2
        assert detail["occurred_at"] == "2026-12-06T18:40:48.000Z"  # the record's own time
        assert {k: detail[k] for k in ("user_id", "username", "name", "updated_at")} == {
            "user_id": "U", "username": "alice", "name": fields.get("name", "Alice"),
            "updated_at": None}


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


AVATAR = {"user_id": "U", "avatar_id": "A2", "status": "pending", "source": "upload",
          "created_at": "2026-12-06T18:00:00.000Z", "updated_at": "2026-12-06T18:00:00.000Z",
          "upload_id": "UP", "upload_expires_at": Decimal(1796582000)}
VARIANTS = {size: {"key": f"avatars/U/A2/{size}.webp", "width": Decimal(px), "height": Decimal(px),
                   "bytes": Decimal(100), "content_type": "image/webp"}
            for size, px in (("thumbnail", 64), ("small", 128), ("medium", 256))}
AVATAR_READY = {**AVATAR, "status": "ready", "variants": VARIANTS, "replaces": "A1",
                "ready_at": "2026-12-06T18:00:01.000Z", "updated_at": "2026-12-06T18:00:01.000Z"}


def test_avatar_changes_are_avatar_events_in_the_apis_shape(portfolio) -> None:
    (kind, detail), = _pairs(domain_events.avatar_events(change("MODIFY", AVATAR, AVATAR_READY)))
    assert kind == "avatar.ready" and detail["previous_avatar_id"] == "A1"
    assert detail["restored"] is False and detail["occurred_at"] == "2026-12-06T18:00:01.000Z"
    avatar = detail["avatar"]
    assert avatar["current"] is True and avatar["status"] == "ready"
    # One shape per resource: variants are size -> {url, width, height}, as GET /me/avatars/{id}.
    assert avatar["variants"]["small"] == {"url": None, "width": 128, "height": 128}
    assert detail["variant_keys"]["small"] == "avatars/U/A2/small.webp"

    deleted = {**AVATAR_READY, "status": "deleted", "replaced_by": "A3",
               "deleted_at": "2026-12-06T19:00:00.000Z", "expires_at": Decimal(1797187248)}
    (kind, detail), = _pairs(domain_events.avatar_events(change("MODIFY", AVATAR_READY, deleted)))
    assert (kind, detail["replaced_by"], detail["avatar"]["current"]) == ("avatar.deleted", "A3", False)
    assert detail["avatar"]["restorable_until"] == "2026-12-13T18:40:48.000Z"  # expires_at
    (kind, detail), = _pairs(domain_events.avatar_events(change("MODIFY", deleted, AVATAR_READY)))
    assert (kind, detail["restored"]) == ("avatar.ready", True)

    rejected = {**AVATAR, "status": "rejected", "reject_reason": "dimensions_too_small"}
    (kind, detail), = _pairs(domain_events.avatar_events(change("MODIFY", AVATAR, rejected)))
    assert (kind, detail["reason"], detail["avatar"]["variants"]) == (
        "avatar.rejected", "dimensions_too_small", {})
    tombstone = {"user_id": "U", "avatar_id": "A2", "status": "purged", "source": "upload",
                 "created_at": AVATAR["created_at"], "updated_at": "2026-12-14T03:00:00.000Z"}
    for before in (deleted, None):  # the nightly sweep's MODIFY, or PurgeFunction's INSERT after TTL
        (kind, detail), = _pairs(domain_events.avatar_events(
            change("MODIFY" if before else "INSERT", before, tombstone)))
        assert (kind, detail["avatar_id"]) == ("avatar.purged", "A2")
    # Nothing happened to anyone: a repeated status, a pending avatar, a TTL removal.
    assert domain_events.avatar_events(change("MODIFY", AVATAR_READY, AVATAR_READY)) == []
    assert domain_events.avatar_events(change("INSERT", None, AVATAR)) == []
    assert domain_events.avatar_events(change("REMOVE", deleted, None)) == []


GENERATION = {"user_id": "U", "generation_id": "G", "status": "processing", "pose_id": "standing-01",
              "quality": "sd", "priority": False, "credits_charged": Decimal(1),
              "content_type": "image/jpeg", "input_key": "tmp/generations/U/G/source",
              "created_at": "2026-12-06T18:00:00.000Z", "updated_at": "2026-12-06T18:00:02.000Z",
              "upload_expires_at": Decimal(1796582000), "source_key": "generations/U/G/input.jpg"}


def test_settled_generations_are_generation_events_in_the_apis_shape(portfolio) -> None:
    done = {**GENERATION, "status": "completed", "output_key": "generations/U/G/output.png",
            "processing_ms": Decimal(2500), "completed_at": "2026-12-06T18:00:05.000Z",
            "output": {"width": Decimal(512), "height": Decimal(512), "renderer": "face",
                       "likeness": {"score": Decimal("0.97"), "threshold": Decimal("0.93"),
                                    "attempts": Decimal(1), "method": "m"}}}
    (kind, detail), = _pairs(domain_events.generation_events(change("MODIFY", GENERATION, done)))
    assert (kind, detail["output_key"], detail["processing_ms"]) == (
        "generation.completed", "generations/U/G/output.png", 2500)
    generation = detail["generation"]  # as GET /generations/{id} answers, minus expiring URLs
    assert (generation["status"], generation["width"], generation["processing_seconds"]) == (
        "completed", 512, 2.5)
    assert generation["likeness"]["score"] == 0.97
    assert generation["output_url"] is None and generation["input_url"] is None

    failed = {**GENERATION, "status": "failed", "error_reason": "no_face",
              "error_message": "no face", "refunded_at": "2026-12-06T18:00:03.000Z"}
    (kind, detail), = _pairs(domain_events.generation_events(change("MODIFY", GENERATION, failed)))
    assert (kind, detail["status"], detail["reason"], detail["refunded"]) == (
        "generation.failed", "failed", "no_face", 1)
    assert detail["generation"]["error"] == {"reason": "no_face", "message": "no face"}
    assert domain_events.generation_events(change("MODIFY", failed, failed)) == []
    assert domain_events.generation_events(change("REMOVE", failed, None)) == []
    share_link = {"user_id": "share#S", "generation_id": "G", "owner": "U"}
    assert domain_events.generation_events(change("INSERT", None, share_link)) == []


def test_an_event_id_is_the_same_on_every_redelivery_of_a_change_and_only_of_it(portfolio) -> None:
    def ids(record_id: str) -> list[str]:
        return [e.event_id for e in domain_events.avatar_events(
            change("MODIFY", AVATAR, AVATAR_READY, record_id=record_id))]

    assert ids("rec-1") == ids("rec-1")
    assert ids("rec-1") != ids("rec-2")  # the same transition made again is another change


def test_a_publisher_killed_between_records_loses_no_event_and_duplicates_only_ids(
        portfolio, monkeypatch) -> None:
    """Lambda retries a batch whose invocation died (a timeout, an out-of-memory kill) from
    its first record: events published before the kill go out again, with the same ids,
    so a consumer that deduplicates on event_id sees each change exactly once."""
    settings = get_settings()
    records = [_stream_record(settings.avatars_table, "100", "MODIFY", AVATAR, AVATAR_READY),
               _stream_record(settings.projects_table, "200", "INSERT", None, PROJECT),
               _stream_record(settings.generations_table, "300", "MODIFY", GENERATION,
                              {**GENERATION, "status": "expired", "error_reason": "input_not_processed",
                               "refunded_at": "2026-12-06T18:10:00.000Z"})]
    bus: list[dict] = []
    kill_after = [1]  # the first invocation dies once one event is out

    class Killed(BaseException):  # not an Exception: nothing in the handler may catch it
        pass

    def publish(event) -> None:
        if kill_after and len(bus) == kill_after[0]:
            kill_after.clear()
            raise Killed
        bus.append(event.detail())

    monkeypatch.setattr(events, "publish", publish)
    handler = load_function_module(portfolio.template, "EventPublisherFunction").lambda_handler
    context = LambdaContext(function_name="portrait-local-EventPublisherFunction")
    with pytest.raises(Killed):
        handler({"Records": records}, context)
    assert handler({"Records": records}, context) == {"batchItemFailures": []}  # the retry

    assert [e["type"] for e in bus] == ["avatar.ready", "avatar.ready", "project.created",
                                        "generation.failed"]
    assert bus[0] == bus[1]  # the duplicate is the same event, id and all
    seen = {e["event_id"]: e["type"] for e in bus}
    assert sorted(seen.values()) == ["avatar.ready", "generation.failed", "project.created"]


def test_n_changes_with_the_publisher_killed_k_times_all_go_out_none_lost(portfolio, monkeypatch) -> None:
    """The outbox under repeated crashes: 40 changes (projects and avatars) on one shard,
    read in batches of 10 as the event source mapping does; the publisher is killed 6
    times at random points (seeded); a killed invocation's batch is delivered again from
    its start. Every change's event goes out, none is lost, and the repeats carry the ids
    they had the first time."""
    import random

    settings = get_settings()
    changes, killed = 40, 6
    records = []
    for n in range(changes):
        if n % 2:
            avatar = {**AVATAR_READY, "avatar_id": f"A{n:03d}"}
            records.append(_stream_record(settings.avatars_table, f"{n:05d}", "MODIFY",
                                          {**avatar, "status": "pending"}, avatar))
        else:
            records.append(_stream_record(settings.projects_table, f"{n:05d}", "INSERT", None,
                                          {**PROJECT, "project_id": f"P{n:03d}"}))
    bus: list[dict] = []
    calls = [0]
    kills = set(random.Random(7).sample(range(1, changes + killed * 5), killed))

    class Killed(BaseException):  # a timeout or an out-of-memory kill: nothing catches it
        pass

    def publish(event) -> None:
        calls[0] += 1
        if calls[0] in kills:
            raise Killed
        bus.append(event.detail())

    monkeypatch.setattr(events, "publish", publish)
    handler = load_function_module(portfolio.template, "EventPublisherFunction").lambda_handler
    context = LambdaContext(function_name="portrait-local-EventPublisherFunction")
    position, deaths = 0, 0
    while position < len(records):
        batch = records[position:position + 10]
        try:
            reply = handler({"Records": batch}, context)
        except Killed:
            deaths += 1
            continue  # the same batch again, from its first record
        failed = [item["itemIdentifier"] for item in reply["batchItemFailures"]]
        assert failed == []
        position += len(batch)

    ids = [event["event_id"] for event in bus]
    assert deaths == killed
    assert len(set(ids)) == changes  # every change once, by id: none lost
    assert len(ids) > changes  # and the kills did make repeats, which carry the same ids
    assert {e["project_id"] for e in bus if e["type"] == "project.created"} == {
        f"P{n:03d}" for n in range(0, changes, 2)}
    assert {e["avatar_id"] for e in bus if e["type"] == "avatar.ready"} == {
        f"A{n:03d}" for n in range(1, changes, 2)}
