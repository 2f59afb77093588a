"""Recovery for the users-stream records DefaultAvatarFunction gave up on: the failure
destination, and the backfill (`portrait avatars ensure-defaults`) that reads the users table."""
from __future__ import annotations

import dataclasses
import io
import json
import time
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timezone

import pytest

from portrait.ids import new_id
from portrait.services.avatars import defaults as default_avatars
from portrait.services.avatars.defaults import (
    ABANDONED_AFTER_SECONDS,
    backfill_default_avatars,
    create_default_avatar,
)
from portrait.store import avatar_cleanup, avatars, users
from portrait.store.avatars import DELETED, PENDING, PURGED, READY, Avatar
from portrait.store.aws import client as aws_client
from portrait_local import cli, operator_commands
from portrait_local.stream_poller import StreamPoller
from tests.integration.avatars.conftest import stream_insert
from tests.integration.stream_support import OneShardStream

DAY = 86400


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_user(stack, *, age_days: float = 1) -> str:
    """A user registered `age_days` ago whose stream record never got its default made."""
    created = _iso(time.time() - age_days * DAY)
    return stack.new_user(created_at=created, updated_at=created)


def _history(user_id: str) -> list[Avatar]:
    return avatars.list_avatars(user_id)[0]


def _defaults_of(user_id: str) -> list[Avatar]:
    return [a for a in _history(user_id) if a.source == "identicon"]


def _pending_default(user_id: str, *, age_seconds: float) -> Avatar:
    """What an invocation that timed out mid-render leaves: a pending default."""
    created = _iso(time.time() - age_seconds)
    avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="identicon",
                    created_at=created, updated_at=created)
    avatars.create_avatar(avatar)
    return avatar


def _report(**expected) -> dict:
    return {"users_checked": 0, "users_missing": 0, "defaults_made": 0, "being_made": 0,
            "failed": 0, "dry_run": False, **expected}


@pytest.fixture
def population(stack):
    """One recent user the stream missed, and every kind of user the backfill leaves alone."""
    missed = _new_user(stack)
    served = _new_user(stack)  # the stream made theirs
    create_default_avatar(served, replace_current=False)
    uploaded = _new_user(stack)  # an upload became current first
    now = _iso(time.time())
    upload = Avatar(user_id=uploaded, avatar_id=new_id(), status=READY, source="upload",
                    created_at=now, updated_at=now, ready_at=now)
    avatars.create_avatar(upload)
    users.update_user(uploaded, {"avatar_id": upload.avatar_id})
    deleted = _new_user(stack)  # deleted their default: their choice stands
    default = create_default_avatar(deleted, replace_current=False)
    avatars.soft_delete(deleted, default.avatar_id, clear_pointer=True, now_iso=now,
                        now=int(time.time()), grace_seconds=60)
    purged = _new_user(stack)  # the same, past the grace: only a tombstone is left
    default = create_default_avatar(purged, replace_current=False)
    avatars.soft_delete(purged, default.avatar_id, clear_pointer=True, now_iso=now,
                        now=int(time.time()), grace_seconds=0)
    assert avatar_cleanup.replace_with_tombstone(avatars.get_avatar(purged, default.avatar_id),
                                                 now_iso=now, expires_at=int(time.time()) + DAY)
    assert avatars.get_avatar(purged, default.avatar_id).status == PURGED
    old = _new_user(stack, age_days=30)  # older than the window
    return dataclasses.make_dataclass("Population", ["missed", "untouched", "old"])(
        missed, [served, uploaded, deleted, purged], old)


def test_only_recent_users_who_never_had_an_avatar_get_one(stack, population) -> None:
    before = {u: _history(u) for u in population.untouched + [population.old]}
    assert backfill_default_avatars().as_dict() == _report(
        users_checked=6, users_missing=1, defaults_made=1)  # the guard items are not users

    (made,) = _history(population.missed)
    assert (made.status, made.source) == (READY, "identicon")
    assert stack.user(population.missed).avatar_id == made.avatar_id
    assert {u: _history(u) for u in before} == before
    assert stack.user(population.old).avatar_id is None
    # A wider window reaches the older user too.
    assert backfill_default_avatars(days=60).as_dict() == _report(
        users_checked=6, users_missing=1, defaults_made=1)
    assert stack.user(population.old).avatar_id


def test_a_dry_run_reports_and_makes_nothing(stack, population) -> None:
    assert backfill_default_avatars(dry_run=True).as_dict() == _report(
        users_checked=6, users_missing=1, dry_run=True)
    assert _history(population.missed) == []
    assert stack.user(population.missed).avatar_id is None
    assert not [k for k in stack.keys("avatars/") if population.missed in k]


def test_a_second_run_changes_nothing(stack) -> None:
    missed = [_new_user(stack) for _ in range(2)]
    assert backfill_default_avatars().defaults_made == 2
    made = {u: _history(u) for u in missed}
    keys_after_first = stack.keys("avatars/")

    assert backfill_default_avatars().as_dict() == _report(users_checked=2)
    assert {u: _history(u) for u in missed} == made
    assert stack.keys("avatars/") == keys_after_first


def test_a_failing_user_is_counted_and_the_others_still_get_theirs(stack, monkeypatch) -> None:
    first, broken, last = (_new_user(stack) for _ in range(3))
    render = default_avatars._render

    def render_failing_for_one(user, settings):
        if user.user_id == broken:
            raise OSError("the encoder crashed")
        return render(user, settings)

    monkeypatch.setattr(default_avatars, "_render", render_failing_for_one)
    assert backfill_default_avatars().as_dict() == _report(
        users_checked=3, users_missing=3, defaults_made=2, failed=1)
    assert stack.user(first).avatar_id and stack.user(last).avatar_id
    (failed,) = _history(broken)  # soft-deleted, never ready: it does not count as made
    assert failed.status == DELETED and failed.ready_at is None
    assert stack.user(broken).avatar_id is None

    monkeypatch.setattr(default_avatars, "_render", render)  # the cause is fixed
    assert backfill_default_avatars().as_dict() == _report(
        users_checked=3, users_missing=1, defaults_made=1)
    assert stack.user(broken).avatar_id not in (None, failed.avatar_id)


def test_limit_stops_after_that_many_users_in_need(stack) -> None:
    for _ in range(3):
        _new_user(stack)
    assert backfill_default_avatars(limit=2).defaults_made == 2
    assert backfill_default_avatars(limit=2).as_dict() == _report(
        users_checked=3, users_missing=1, defaults_made=1)


def test_a_default_being_made_is_left_alone_and_an_abandoned_one_replaced(stack) -> None:
    busy, stuck = _new_user(stack), _new_user(stack)
    in_flight = _pending_default(busy, age_seconds=5)
    abandoned = _pending_default(stuck, age_seconds=ABANDONED_AFTER_SECONDS + 60)

    assert backfill_default_avatars().as_dict() == _report(
        users_checked=2, users_missing=1, defaults_made=1, being_made=1)
    assert _history(busy) == [in_flight]
    assert stack.avatar(abandoned).status == DELETED  # its objects go with the deleted sweep
    current = stack.user(stuck).avatar_id
    assert current != abandoned.avatar_id and avatars.get_avatar(stuck, current).status == READY


def test_the_stream_retries_while_another_attempts_default_is_pending(stack) -> None:
    """A timed-out invocation's pending default must not make the retry pass for done:
    the record keeps failing, so it ends in the failure queue and the alarm fires."""
    user_id = _new_user(stack)
    _pending_default(user_id, age_seconds=5)
    record = stream_insert(stack, user_id)
    other = _new_user(stack)
    reply = stack.default_avatar([record, stream_insert(stack, other)])
    failed = record["dynamodb"]["SequenceNumber"]
    assert reply == {"batchItemFailures": [{"itemIdentifier": failed}]}
    assert stack.user(other).avatar_id and stack.user(user_id).avatar_id is None


# ---------------------------------------------------------------- the failure destination


@dataclasses.dataclass
class _Failed:
    ok: bool = False
    result: None = None
    error: dict = dataclasses.field(default_factory=lambda: {"errorType": "Sandbox.Timedout",
                                                             "errorMessage": "timed out"})
    duration_ms: float = 30_000.0


def _drain(queue_url: str) -> list[dict]:
    sqs, bodies = aws_client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)])
    return bodies


def test_a_record_out_of_retries_is_described_to_the_failure_queue_and_backfilled(stack) -> None:
    mapping = stack.mapping("DefaultAvatarFunction")
    assert mapping.on_failure == stack.template.get_att("DefaultAvatarFailuresQueue", "Arn")
    queue_url = stack.template.physical_id("DefaultAvatarFailuresQueue")
    user_id = _new_user(stack)
    record = stream_insert(stack, user_id)

    poller = StreamPoller(mapping, OneShardStream([record]), stack.template.region,
                          lambda function_id, event: _Failed(), report=lambda *args: None,
                          sqs=aws_client("sqs"))
    for _ in range(mapping.maximum_retry_attempts + 1):
        poller.poll_once()
    (failure,) = _drain(queue_url)
    batch = failure["DDBStreamBatchInfo"]
    assert (batch["startSequenceNumber"], batch["batchSize"]) == (
        record["dynamodb"]["SequenceNumber"], 1)
    assert failure["requestContext"]["approximateInvokeCount"] == 4
    assert stack.user(user_id).avatar_id is None  # the record itself is gone

    assert backfill_default_avatars().defaults_made == 1
    assert stack.user(user_id).avatar_id


# ---------------------------------------------------------------- the command
@dataclasses.dataclass
class _HereTarget:
    """The moto stack this test process already points at."""

    template: object
    description: str = "moto"

    def adopt_environment_of(self, function_id: str) -> None:
        assert function_id == "DefaultAvatarFunction"


def test_the_command_prints_the_report_alone_on_stdout(stack, monkeypatch) -> None:
    user_id = _new_user(stack)
    monkeypatch.setattr(operator_commands, "target_of", lambda args: _HereTarget(stack.template))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert cli.main(["avatars", "ensure-defaults", "--dry-run"]) == 0
    assert json.loads(out.getvalue()) == _report(users_checked=1, users_missing=1, dry_run=True)
    assert "dry run" in err.getvalue() and stack.user(user_id).avatar_id is None

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert cli.main(["avatars", "ensure-defaults", "--limit", "5"]) == 0
    assert json.loads(out.getvalue())["defaults_made"] == 1  # EMF lines went to stderr
    assert stack.user(user_id).avatar_id
