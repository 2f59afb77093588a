"""The nightly purge of soft-deleted avatars past their grace, and what a restore answers after."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from portrait.config import get_settings
from portrait.services.hygiene.deleted_sweep import sweep_deleted_avatars
from portrait.store import avatar_cleanup, avatars, keys, users
from portrait.store.avatars import DELETED, PURGED, READY
from portrait.store.models import AvatarItem, bound
from portrait.sizes import AVATAR_SIZES


def _deleted_avatar(hygiene, user_id: str) -> str:
    """A processed avatar replaced by a newer one: soft-deleted, restorable for the grace."""
    first = hygiene.ready_avatar(user_id)
    hygiene.ready_avatar(user_id)
    assert hygiene.avatar(user_id, first).status == DELETED
    return first


def _prefix(user_id: str, avatar_id: str) -> str:
    return keys.avatar_prefix(user_id, avatar_id)


def test_past_grace_objects_and_record_go_and_a_restore_is_gone(hygiene, api, member) -> None:
    user_id = member["user_id"]
    old = _deleted_avatar(hygiene, user_id)
    grace_end = hygiene.avatar(user_id, old).expires_at

    report = sweep_deleted_avatars(now=grace_end + 1)

    assert report.as_dict() == {"avatars_found": 1, "avatars_purged": 1, "objects_deleted": 5,
                                "orphans_found": 0, "orphans_deleted": 0, "failed": 0,
                                "bytes_freed": 64 + 128 + 256 + 512 + 1024, "dry_run": False}
    assert hygiene.keys(_prefix(user_id, old)) == []
    tombstone = hygiene.avatar(user_id, old)
    assert (tombstone.status, tombstone.variants) == (PURGED, {})
    assert tombstone.expires_at >= grace_end + get_settings().avatar_tombstone_seconds
    assert list(avatars.iter_soft_deleted(expired_before=2**40)) == []  # out of the sparse index
    reply = api.post(f"/me/avatars/{old}/restore", token=member["token"])
    assert (reply.status, reply.error_code) == (410, "restore_window_closed")
    assert api.get(f"/me/avatars/{old}", token=member["token"]).status == 404
    history = api.get("/me/avatars", token=member["token"]).json()
    assert old not in [item["avatar_id"] for item in history["items"]]
    # The current avatar is untouched.
    current = users.get_user(user_id).avatar_id
    assert hygiene.avatar(user_id, current).status == READY
    assert len(hygiene.keys(_prefix(user_id, current))) == len(AVATAR_SIZES)


def test_within_grace_everything_stays_and_restores(hygiene, api, member) -> None:
    user_id = member["user_id"]
    old = _deleted_avatar(hygiene, user_id)
    grace_end = hygiene.avatar(user_id, old).expires_at

    report = sweep_deleted_avatars(now=grace_end - 1)

    assert (report.avatars_found, report.avatars_purged) == (0, 0)
    assert len(hygiene.keys(_prefix(user_id, old))) == len(AVATAR_SIZES)
    assert api.post(f"/me/avatars/{old}/restore", token=member["token"]).status == 200
    assert hygiene.avatar(user_id, old).status == READY


def test_a_dry_run_reports_and_changes_nothing(hygiene) -> None:
    user_id = hygiene.new_user()
    old = _deleted_avatar(hygiene, user_id)
    grace_end = hygiene.avatar(user_id, old).expires_at
    report = sweep_deleted_avatars(now=grace_end + 1, dry_run=True)
    assert (report.avatars_found, report.avatars_purged, report.objects_deleted,
            report.dry_run) == (1, 1, len(AVATAR_SIZES), True)
    assert len(hygiene.keys(_prefix(user_id, old))) == len(AVATAR_SIZES)
    assert hygiene.avatar(user_id, old).status == DELETED


class Crash(BaseException):
    """The process dying (a timeout, a kill): nothing in the sweep may catch it."""


def test_a_crash_between_objects_and_record_is_finished_by_the_next_run(hygiene,
                                                                        monkeypatch) -> None:
    user_id = hygiene.new_user()
    first, second = (hygiene.ready_avatar(user_id) for _ in range(2))
    hygiene.ready_avatar(user_id)  # replaces (soft-deletes) the second
    now = max(hygiene.avatar(user_id, a).expires_at for a in (first, second)) + 1

    def crash(*args, **kwargs):
        raise Crash()

    monkeypatch.setattr(avatar_cleanup, "replace_with_tombstone", crash)
    with pytest.raises(Crash):
        sweep_deleted_avatars(now=now)
    # The first avatar's objects went, its record did not.
    assert hygiene.keys(_prefix(user_id, first)) == []
    assert hygiene.avatar(user_id, first).status == DELETED
    monkeypatch.undo()

    report = sweep_deleted_avatars(now=now)

    assert (report.avatars_found, report.avatars_purged, report.failed) == (2, 2, 0)
    assert report.objects_deleted == len(AVATAR_SIZES)  # the second avatar's; the first had none left
    for avatar_id in (first, second):
        assert hygiene.keys(_prefix(user_id, avatar_id)) == []
        assert hygiene.avatar(user_id, avatar_id).status == PURGED
    assert sweep_deleted_avatars(now=now).avatars_found == 0


def test_a_restore_between_the_read_and_the_purge_wins(hygiene, monkeypatch) -> None:
    """The tombstone is written only if the record is still the soft-deleted one we read."""
    user_id = hygiene.new_user()
    old = _deleted_avatar(hygiene, user_id)
    avatar = hygiene.avatar(user_id, old)
    avatars.make_current(user_id, old, expected_status=DELETED, now=avatar.expires_at - 10,
                         previous_avatar_id=users.get_user(user_id).avatar_id,
                         now_iso="2027-01-01T00:00:00Z",
                         grace_seconds=get_settings().avatar_grace_seconds)
    assert avatar_cleanup.replace_with_tombstone(avatar, now_iso="2027-01-01T00:00:00Z",
                                                 expires_at=2**31) is False
    assert hygiene.avatar(user_id, old).status == READY


def test_the_handler_runs_on_the_scheduled_event(hygiene, template) -> None:
    event = json.loads((Path(template.base_dir) / "events/sweep-deleted-schedule.json").read_text())
    user_id = hygiene.new_user()
    old = _deleted_avatar(hygiene, user_id)
    # The handler runs on the real clock: end the grace now instead of moving the clock.
    bound(AvatarItem)(user_id, old).update(actions=[AvatarItem.expires_at.set(int(time.time()) - 1)])
    result = hygiene.invoke("SweepDeletedFunction", event)
    assert (result["avatars_purged"], result["objects_deleted"]) == (1, len(AVATAR_SIZES))
    assert hygiene.avatar(user_id, old).status == PURGED
