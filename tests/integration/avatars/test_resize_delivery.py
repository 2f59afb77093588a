"""At-least-once delivery: repeats, failures in the middle, bad messages, late events."""
from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from portrait.ids import new_id
from portrait.store import avatars, keys
from portrait.store.avatars import DELETED, PENDING, READY, REJECTED, Avatar
from portrait.sizes import AVATAR_SIZES
from tests.conftest import ROOT
from tests.unit.imaging.corpus import jpeg_gps_orientation6, png_alpha, webp_lossy

EVENTS = ROOT / "events"
GRACE = 7 * 86400


def _sample(name: str) -> dict:
    return json.loads(Path(EVENTS / name).read_text())


def _failed(stack, records: list[dict]) -> list[str]:
    """The message ids the handler reports as failed. When every record fails,
    Powertools raises instead (the invocation fails and the whole batch returns)."""
    try:
        reply = stack.resize(records)
    except BatchProcessingError:
        return [record["messageId"] for record in records]
    return [item["itemIdentifier"] for item in reply["batchItemFailures"]]


def _variant_keys(stack, avatar: Avatar) -> list[str]:
    return stack.keys(keys.avatar_prefix(avatar.user_id, avatar.avatar_id))


def test_the_same_event_twice_makes_one_avatar(stack, published) -> None:
    user_id = stack.new_user()
    avatar = stack.upload(user_id, jpeg_gps_orientation6())
    records = stack.receive()

    assert stack.resize(records) == {"batchItemFailures": []}
    first = stack.avatar(avatar)
    assert [kind for kind, _ in published()] == ["avatar.ready"]
    assert stack.resize(records + copy.deepcopy(records)) == {"batchItemFailures": []}

    assert stack.avatar(avatar) == first and first.status == READY
    assert len(_variant_keys(stack, avatar)) == len(AVATAR_SIZES)
    assert [a.avatar_id for a in avatars.list_avatars(user_id)[0]] == [avatar.avatar_id]
    assert [kind for kind, _ in published()] == ["avatar.ready"]  # the repeats changed nothing
    assert stack.keys("tmp/") == []


def test_a_crash_before_the_switch_is_completed_by_the_redelivery(stack, monkeypatch) -> None:
    user_id = stack.new_user()
    avatar = stack.upload(user_id, png_alpha())
    records = stack.receive()

    def crash(*args, **kwargs):
        raise ConnectionError("the function died after writing the variants")

    with monkeypatch.context() as patch:
        patch.setattr(avatars, "make_current", crash)
        assert _failed(stack, records) == [records[0]["messageId"]]
    assert stack.avatar(avatar).status == PENDING
    assert stack.user(user_id).avatar_id is None
    assert len(_variant_keys(stack, avatar)) == len(AVATAR_SIZES)  # written, but nothing points at them
    assert stack.keys("tmp/") == [avatar.upload_key]  # kept for the retry

    assert stack.resize(records) == {"batchItemFailures": []}
    assert stack.avatar(avatar).status == READY
    assert stack.user(user_id).avatar_id == avatar.avatar_id
    assert len(_variant_keys(stack, avatar)) == len(AVATAR_SIZES) and stack.keys("tmp/") == []


def _sample_user(stack, upload_ids: list[str]) -> list[Avatar]:
    """The user and pending uploads the events/ samples name, with the images in place."""
    user_id = "01JD3Z6W1QYV8ZQ4M2K7T9B5XA"
    stack.new_user(user_id=user_id)
    made = []
    for upload_id, image in zip(upload_ids, (webp_lossy(), png_alpha())):
        avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                        created_at="2026-11-21T10:15:00Z", updated_at="2026-11-21T10:15:00Z",
                        upload_id=upload_id, upload_key=keys.tmp_upload_key("avatars", user_id, upload_id))
        avatars.create_avatar(avatar)
        stack.put(avatar.upload_key, image)
        made.append(avatar)
    stack.receive(expected=len(upload_ids))  # moto's own notifications: the samples stand in
    return made


def test_sample_event_resize_s3_upload(stack) -> None:
    (avatar,) = _sample_user(stack, ["01JD3Z7A4N2P6R8S0T1V3W5X7Y"])
    assert stack.resize(_sample("resize-s3-upload.json")["Records"]) == {"batchItemFailures": []}
    assert stack.avatar(avatar).status == READY


def test_a_batch_with_one_bad_message_reports_only_that_one(stack) -> None:
    first, second = _sample_user(stack, ["01JD3Z7A4N2P6R8S0T1V3W5X7Y", "01JD3Z7B5P3Q7S9T1V2W4X6Y8Z"])
    records = _sample("resize-batch-one-bad.json")["Records"]

    assert _failed(stack, records) == ["b6c1d0ad-6c4e-4c0b-9a53-5a0c0e7f2d11"]  # the malformed body
    # Both processed, in order: the second replaced the first.
    assert (stack.avatar(first).status, stack.avatar(second).status) == (DELETED, READY)
    assert stack.user(first.user_id).avatar_id == second.avatar_id


def test_the_s3_test_event_is_dropped(stack) -> None:
    from portrait.store.aws import client

    s3 = client("s3")
    config = s3.get_bucket_notification_configuration(Bucket=stack.bucket)
    config.pop("ResponseMetadata")
    s3.put_bucket_notification_configuration(Bucket=stack.bucket, NotificationConfiguration=config)
    (record,) = stack.receive()
    assert stack.sqs_body(record)["Event"] == "s3:TestEvent"
    assert stack.resize([record]) == {"batchItemFailures": []}


def test_an_avatar_not_visible_yet_is_retried(stack) -> None:
    user_id, upload_id = stack.new_user(), new_id()
    key = keys.tmp_upload_key("avatars", user_id, upload_id)
    stack.put(key, webp_lossy())  # the upload's event outran the index
    records = stack.receive()
    assert _failed(stack, records) == [records[0]["messageId"]]

    avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                    created_at="2026-11-21T10:15:00Z", updated_at="2026-11-21T10:15:00Z",
                    upload_id=upload_id, upload_key=key)
    avatars.create_avatar(avatar)
    assert stack.resize(records) == {"batchItemFailures": []}
    assert stack.avatar(avatar).status == READY


@pytest.mark.parametrize("key", [
    "tmp/avatars/not-a-user/not-an-upload/source",
    "tmp/avatars/01JD3Z6W1QYV8ZQ4M2K7T9B5XA/01JD3Z7A4N2P6R8S0T1V3W5X7Y/source/../../x",
    "tmp/avatars/01JD3Z6W1QYV8ZQ4M2K7T9B5XA/01JD3Z7A4N2P6R8S0T1V3W5X7Y/evil name.jpg",
])
def test_keys_we_did_not_issue_are_dropped_not_retried(stack, key) -> None:
    stack.put(key, webp_lossy())
    records = stack.receive()
    assert stack.resize(records) == {"batchItemFailures": []}


def test_an_upload_under_another_users_key_is_dropped(stack) -> None:
    owner, intruder = stack.new_user(), stack.new_user()
    avatar = stack.pending_avatar(owner)
    stack.put(keys.tmp_upload_key("avatars", intruder, avatar.upload_id), webp_lossy())

    assert stack.resize(stack.receive()) == {"batchItemFailures": []}

    assert stack.avatar(avatar).status == PENDING
    assert stack.user(owner).avatar_id is None and stack.user(intruder).avatar_id is None
    assert stack.keys() == []


@pytest.mark.parametrize("first_body, status", [(webp_lossy, READY), (lambda: b"<svg/>", REJECTED)])
def test_a_late_event_leaves_a_settled_avatar_alone(stack, published, first_body, status) -> None:
    user_id = stack.new_user()
    avatar = stack.upload(user_id, first_body())
    stack.resize(stack.receive())
    settled = stack.avatar(avatar)
    assert settled.status == status
    objects_before = stack.keys("avatars/")
    assert len(published()) == 1

    stack.put(avatar.upload_key, png_alpha())  # the form reused while still valid
    assert stack.resize(stack.receive()) == {"batchItemFailures": []}

    assert stack.avatar(avatar) == settled
    assert stack.keys("avatars/") == objects_before and stack.keys("tmp/") == []
    assert len(published()) == 1  # nothing new


def test_the_previous_avatar_is_soft_deleted_for_the_grace_period(stack, published) -> None:
    user_id = stack.new_user()
    first = stack.upload(user_id, webp_lossy())
    stack.resize(stack.receive())
    second = stack.upload(user_id, png_alpha())
    stack.resize(stack.receive())

    assert stack.user(user_id).avatar_id == second.avatar_id
    old = stack.avatar(first)
    assert old.status == DELETED
    deleted_at = datetime.fromisoformat(old.deleted_at.replace("Z", "+00:00")).timestamp()
    assert old.expires_at == int(deleted_at) + GRACE
    assert [a.avatar_id for a in avatars.iter_soft_deleted(expired_before=old.expires_at + 1)] == [
        first.avatar_id]
    assert len(_variant_keys(stack, first)) == len(AVATAR_SIZES)  # purged later, after the grace
    (replaced, old_event), (ready, event) = published()[-2:]
    assert (replaced, old_event["avatar_id"], old_event["replaced_by"]) == (
        "avatar.deleted", first.avatar_id, second.avatar_id)
    assert old_event["avatar"]["restorable_until"] is not None
    assert (ready, event["avatar_id"], event["source"], event["previous_avatar_id"]) == (
        "avatar.ready", second.avatar_id, "upload", first.avatar_id)
    assert event["variant_keys"] == {size: v["key"] for size, v in stack.avatar(second).variants.items()}
    assert set(event["avatar"]["variants"]) == set(AVATAR_SIZES)  # the API's avatar shape


def test_rejections_are_published_and_counted_by_reason(stack, published, capsys) -> None:
    user_id = stack.new_user()
    avatar = stack.upload(user_id, b"")
    stack.resize(stack.receive())

    (kind, event), = published()
    assert (kind, event["user_id"], event["avatar_id"], event["reason"]) == (
        "avatar.rejected", user_id, avatar.avatar_id, "unsupported_type")
    assert event["avatar"]["reject_reason"] == "unsupported_type"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith('{"_aws"')]
    assert any(m.get("AvatarRejected") == [1.0] and m.get("reason") == "unsupported_type"
               for m in metrics)
    # and the total the rejection alarm sums, without the reason dimension
    assert any(m.get("AvatarsRejected") == [1.0] and "reason" not in m for m in metrics)
