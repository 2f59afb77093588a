"""PurgeFunction on the avatars stream: TTL removals purge, anything else is filtered out."""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel

from portrait.ids import new_id
from portrait.services.hygiene.deleted_sweep import sweep_deleted_avatars
from portrait.store import avatar_cleanup, keys, objects
from portrait.store.avatars import DELETED, PURGED
from portrait.store.aws import client as aws_client
from portrait_local.event_sources import event_source_mappings
from portrait_local.filters import matches_any
from portrait_local.stream_poller import StreamPoller
from portrait.sizes import AVATAR_SIZES
from tests.integration.hygiene.conftest import HOUR
from tests.integration.stream_support import OneShardStream

TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
_sequence = iter(range(10**20, 10**21, 100))


def _mapping(template):
    (mapping,) = [m for m in event_source_mappings(template) if m.function_id == "PurgeFunction"]
    return mapping


def _remove_record(hygiene, user_id: str, avatar_id: str, *, by_ttl: bool = True) -> dict:
    """The stream record DynamoDB emits when the item goes (NEW_AND_OLD_IMAGES view: Keys
    and OldImage; userIdentity only on a TTL deletion), and the item removed as it would be."""
    image = hygiene.raw_item(user_id, avatar_id)
    aws_client("dynamodb").delete_item(TableName=hygiene.template.physical_name("AvatarsTable"),
                                       Key={"user_id": image["user_id"],
                                            "avatar_id": image["avatar_id"]})
    record = {
        "eventID": new_id().lower(), "eventName": "REMOVE", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"ApproximateCreationDateTime": 1_800_000_000,
                     "Keys": {"user_id": image["user_id"], "avatar_id": image["avatar_id"]},
                     "OldImage": image, "SequenceNumber": str(next(_sequence)),
                     "SizeBytes": 900, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "eventSourceARN": hygiene.template.get_att("AvatarsTable", "StreamArn"),
    }
    if by_ttl:
        record["userIdentity"] = dict(TTL_IDENTITY)
    return record


def _deleted_avatar(hygiene) -> tuple[str, str]:
    user_id = hygiene.new_user()
    first = hygiene.ready_avatar(user_id)
    hygiene.ready_avatar(user_id)
    assert hygiene.avatar(user_id, first).status == DELETED
    return user_id, first


def test_a_ttl_removal_purges_the_objects_and_leaves_a_tombstone(hygiene, template) -> None:
    user_id, avatar_id = _deleted_avatar(hygiene)
    record = _remove_record(hygiene, user_id, avatar_id)
    assert matches_any(_mapping(template).filters, record)
    DynamoDBStreamModel.model_validate({"Records": [record]})

    assert hygiene.invoke("PurgeFunction", {"Records": [record]}) == {"batchItemFailures": []}

    assert hygiene.keys(keys.avatar_prefix(user_id, avatar_id)) == []
    assert hygiene.avatar(user_id, avatar_id).status == PURGED
    # Redelivered: nothing left to do, and nothing fails.
    assert hygiene.invoke("PurgeFunction", {"Records": [record]}) == {"batchItemFailures": []}
    # The tombstone's own TTL removal reaches the function too, and does nothing.
    tombstone_gone = _remove_record(hygiene, user_id, avatar_id)
    assert matches_any(_mapping(template).filters, tombstone_gone)
    assert hygiene.invoke("PurgeFunction", {"Records": [tombstone_gone]}) == {"batchItemFailures": []}
    assert hygiene.avatar(user_id, avatar_id) is None


def test_a_removal_by_a_request_is_filtered_out_and_ignored(hygiene, template) -> None:
    user_id, avatar_id = _deleted_avatar(hygiene)
    record = _remove_record(hygiene, user_id, avatar_id, by_ttl=False)
    assert not matches_any(_mapping(template).filters, record)
    impostor = {**record, "userIdentity": {"type": "Service", "principalId": "example.com"}}
    assert not matches_any(_mapping(template).filters, impostor)
    modify = {**record, "eventName": "MODIFY", "userIdentity": dict(TTL_IDENTITY)}
    assert not matches_any(_mapping(template).filters, modify)
    # Without the filter (a mapping set up by hand), the handler still leaves it alone.
    assert hygiene.invoke("PurgeFunction", {"Records": [record]}) == {"batchItemFailures": []}
    assert len(hygiene.keys(keys.avatar_prefix(user_id, avatar_id))) == len(AVATAR_SIZES)


def test_the_sample_event_is_a_ttl_removal_the_filter_lets_through(hygiene, template) -> None:
    sample = json.loads((Path(template.base_dir) / "events/purge-ttl-remove.json").read_text())
    (record,) = DynamoDBStreamModel.model_validate(sample).Records
    assert matches_any(_mapping(template).filters, sample["Records"][0])
    assert (record.eventName, sample["Records"][0]["userIdentity"]) == ("REMOVE", TTL_IDENTITY)




def test_the_local_poller_applies_the_same_filter(hygiene, template) -> None:
    """The local stack's poller, on the template's own mapping, hands PurgeFunction the
    TTL removal and drops the removal a request made."""
    removed_by_user = _remove_record(hygiene, *_deleted_avatar(hygiene), by_ttl=False)
    removed_by_ttl = _remove_record(hygiene, *_deleted_avatar(hygiene))
    invoked: list[dict] = []

    def invoke(function_id: str, event: dict):
        invoked.append(event)
        return hygiene.invoke(function_id, event)

    poller = StreamPoller(_mapping(template), OneShardStream([removed_by_user, removed_by_ttl]),
                          template.region, lambda fid, event: _Ok(invoke(fid, event)),
                          report=lambda *args: None)
    assert poller.poll_once() == 2
    assert [r["eventID"] for e in invoked for r in e["Records"]] == [removed_by_ttl["eventID"]]
    # What it would send a skipped batch's position to: the template's failure queue.
    assert _mapping(template).on_failure == template.get_att("PurgeFailuresQueue", "Arn")


@dataclasses.dataclass
class _Ok:
    result: dict
    ok: bool = True
    duration_ms: float = 1.0


@pytest.mark.parametrize("status", ["ready", "purged", "pending"])
def test_only_soft_deleted_images_are_purged(hygiene, status) -> None:
    from portrait.services.hygiene.deleted_sweep import purge_expired_avatar

    user_id = hygiene.new_user()
    avatar_id = hygiene.ready_avatar(user_id)
    assert purge_expired_avatar({"user_id": user_id, "avatar_id": avatar_id, "status": status}) == 0
    assert len(hygiene.keys(keys.avatar_prefix(user_id, avatar_id))) == len(AVATAR_SIZES)


def _throttled(*args, **kwargs):
    raise RuntimeError("ProvisionedThroughputExceededException")


@pytest.mark.parametrize("failing", ["objects", "tombstone"])
def test_a_purge_out_of_retries_is_finished_by_the_orphan_pass(hygiene, api, member, monkeypatch,
                                                               failing) -> None:
    """After its last retry Lambda drops the stream record; its on-failure queue gets only
    the batch's shard and sequence numbers. Whichever step kept failing, the nightly orphan
    pass leaves what the purge would have: no objects, a tombstone, a restore that is 410."""
    user_id, day_ago = member["user_id"], time.time() - 25 * HOUR
    avatar_id = hygiene.ready_avatar(user_id, at=day_ago)
    hygiene.ready_avatar(user_id, at=day_ago)  # soft-deletes the first
    record = _remove_record(hygiene, user_id, avatar_id)
    with monkeypatch.context() as patch:
        if failing == "objects":  # S3 refuses every delete
            patch.setattr(objects, "delete_objects", lambda batch: list(batch))
        else:  # DynamoDB refuses the tombstone
            patch.setattr(avatar_cleanup, "write_tombstone", _throttled)
        for _ in range(3):  # every retry fails alike (a batch all failed is an error)
            with pytest.raises(BatchProcessingError):
                hygiene.invoke("PurgeFunction", {"Records": [record]})
    prefix = keys.avatar_prefix(user_id, avatar_id)
    assert len(hygiene.keys(prefix)) == len(AVATAR_SIZES)
    restore = f"/me/avatars/{avatar_id}/restore"
    # The tombstone goes first, so only a failing tombstone leaves the id unknown for now.
    assert api.post(restore, token=member["token"]).status == (
        410 if failing == "objects" else 404)

    report = sweep_deleted_avatars()

    assert (report.orphans_deleted, report.failed) == (len(AVATAR_SIZES), 0)
    assert hygiene.keys(prefix) == []
    assert hygiene.avatar(user_id, avatar_id).status == PURGED
    reply = api.post(restore, token=member["token"])
    assert (reply.status, reply.error_code) == (410, "restore_window_closed")
