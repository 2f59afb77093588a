"""DELETE /me/avatars/{avatar_id}: any avatar of the history, by id."""
from __future__ import annotations

import pytest

from portrait import clock
from portrait.store import avatars, users
from portrait.store.avatars import EXPIRED, PENDING, PURGED, READY, REJECTED, SwitchConflict
from portrait.sizes import AVATAR_SIZES
from tests.integration.api.avatar_support import (  # noqa: F401 (fixtures)
    member,
    other_member,
    pending_avatar,
    pinned_rate_window,
    processed_avatar,
)

GRACE = 7 * 86400
UNKNOWN = "01J00000000000000000000000"


def _settled(user_id: str, status: str) -> str:
    """An avatar that left pending without becoming current (rejected, expired, or, only
    by a race in real life, ready)."""
    avatar = pending_avatar(user_id)
    if status == REJECTED:
        avatars.mark_rejected(user_id, avatar.avatar_id, reason="corrupt", message="not an image",
                              now_iso="2027-01-15T08:01:00Z")
    else:
        avatars.set_status(user_id, avatar.avatar_id, status=status, expected_status=PENDING,
                           now_iso="2027-01-15T08:01:00Z")
    return avatar.avatar_id


def test_deleting_the_current_avatar_is_what_delete_me_avatar_does(api, member) -> None:
    avatar_id = processed_avatar(member["user_id"])
    reply = api.delete(f"/me/avatars/{avatar_id}", token=member["token"])
    assert reply.status == 200, reply.body
    deleted = reply.json()
    assert deleted["avatar_id"] == avatar_id and deleted["status"] == "deleted"
    assert deleted["current"] is False and deleted["restorable_until"]
    assert len(deleted["variants"]) == len(AVATAR_SIZES)  # what a restore brings back
    assert users.get_user(member["user_id"]).avatar_id is None
    assert api.get("/me/avatar", token=member["token"]).error_code == "no_current_avatar"
    assert api.post(f"/me/avatars/{avatar_id}/restore", token=member["token"]).status == 200
    assert users.get_user(member["user_id"]).avatar_id == avatar_id


def test_a_ready_avatar_that_is_not_current_leaves_the_pointer_alone(api, member) -> None:
    current = processed_avatar(member["user_id"])
    spare = _settled(member["user_id"], READY)
    reply = api.delete(f"/me/avatars/{spare}", token=member["token"])
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "deleted" and reply.json()["restorable_until"]
    assert users.get_user(member["user_id"]).avatar_id == current
    assert avatars.get_avatar(member["user_id"], current).status == READY
    history = api.get("/me/avatars", token=member["token"]).json()["items"]
    assert {i["avatar_id"]: i["status"] for i in history} == {spare: "deleted", current: "ready"}


@pytest.mark.parametrize("status", [REJECTED, EXPIRED])
def test_a_rejected_or_expired_avatar_is_removed(api, member, status) -> None:
    current = processed_avatar(member["user_id"])
    avatar_id = _settled(member["user_id"], status)
    reply = api.delete(f"/me/avatars/{avatar_id}", token=member["token"])
    assert reply.status == 200, reply.body
    assert reply.json() == {"avatar_id": avatar_id, "status": "removed"}
    assert avatars.get_avatar(member["user_id"], avatar_id) is None
    assert api.get(f"/me/avatars/{avatar_id}", token=member["token"]).status == 404
    assert users.get_user(member["user_id"]).avatar_id == current
    again = api.delete(f"/me/avatars/{avatar_id}", token=member["token"])
    assert again.status == 404 and again.error_code == "avatar_not_found"


def test_a_deleted_or_pending_avatar_is_a_conflict(api, member) -> None:
    replaced = processed_avatar(member["user_id"])
    processed_avatar(member["user_id"])  # soft-deletes the first
    reply = api.delete(f"/me/avatars/{replaced}", token=member["token"])
    assert reply.status == 409 and reply.error_code == "avatar_already_deleted"

    uploading = pending_avatar(member["user_id"]).avatar_id
    reply = api.delete(f"/me/avatars/{uploading}", token=member["token"])
    assert reply.status == 409 and reply.error_code == "avatar_in_progress"
    assert avatars.get_avatar(member["user_id"], uploading).status == PENDING


def test_past_grace_or_purged_is_not_found(api, member, monkeypatch) -> None:
    replaced = processed_avatar(member["user_id"])
    processed_avatar(member["user_id"])
    purged = _settled(member["user_id"], REJECTED)
    avatars.set_status(member["user_id"], purged, status=PURGED, expected_status=REJECTED,
                       now_iso="2027-01-15T08:02:00Z")
    reply = api.delete(f"/me/avatars/{purged}", token=member["token"])
    assert reply.status == 404 and reply.error_code == "avatar_not_found"

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + GRACE + 1)
    reply = api.delete(f"/me/avatars/{replaced}", token=member["token"])
    assert reply.status == 404 and reply.error_code == "avatar_not_found"


def test_someone_elses_or_an_unknown_avatar_is_not_found(api, member, other_member) -> None:
    theirs = processed_avatar(other_member["user_id"])
    their_rejected = _settled(other_member["user_id"], REJECTED)
    for avatar_id in (theirs, their_rejected, UNKNOWN):
        reply = api.delete(f"/me/avatars/{avatar_id}", token=member["token"])
        assert reply.status == 404 and reply.error_code == "avatar_not_found", avatar_id
    assert avatars.get_avatar(other_member["user_id"], theirs).status == READY
    assert avatars.get_avatar(other_member["user_id"], their_rejected).status == REJECTED
    assert users.get_user(other_member["user_id"]).avatar_id == theirs
    assert api.delete("/me/avatars/not-a-ulid", token=member["token"]).status == 422
    assert api.delete(f"/me/avatars/{theirs}").status == 401


def test_deletes_share_one_limit_with_delete_me_avatar(api, member, pinned_rate_window) -> None:
    for _ in range(5):
        assert api.delete("/me/avatar", token=member["token"]).status == 404
        assert api.delete(f"/me/avatars/{UNKNOWN}", token=member["token"]).status == 404
    limited = api.delete(f"/me/avatars/{UNKNOWN}", token=member["token"])
    assert limited.status == 429 and limited.error_code == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_a_lost_race_is_read_again(api, member, monkeypatch) -> None:
    """A write that loses a race is preceded by a fresh read; one that keeps losing is 409."""
    current = processed_avatar(member["user_id"])
    real_soft_delete, calls = avatars.soft_delete, []

    def stale_then_real(*args, **kwargs):
        calls.append(kwargs["clear_pointer"])
        if len(calls) == 1:
            raise SwitchConflict("the avatar or the user changed meanwhile")
        return real_soft_delete(*args, **kwargs)

    monkeypatch.setattr(avatars, "soft_delete", stale_then_real)
    assert api.delete(f"/me/avatars/{current}", token=member["token"]).status == 200
    assert calls == [True, True] and users.get_user(member["user_id"]).avatar_id is None

    rejected = _settled(member["user_id"], REJECTED)
    monkeypatch.setattr(avatars, "delete_record", lambda *a, **k: False)  # always changed meanwhile
    reply = api.delete(f"/me/avatars/{rejected}", token=member["token"])
    assert reply.status == 409 and reply.error_code == "avatar_changed"
