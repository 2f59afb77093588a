"""Delete, restore, the history and regenerating the default avatar."""
from __future__ import annotations

from datetime import datetime

import pytest

from portrait import clock
from portrait.config import get_settings
from portrait.store import avatars, users
from portrait.store.avatars import EXPIRED, PENDING, SwitchConflict
from portrait.sizes import AVATAR_SIZES
from tests.integration.api.avatar_support import (  # noqa: F401 (fixtures)
    member,
    other_member,
    pending_avatar,
    pinned_rate_window,
    processed_avatar,
)

GRACE = 7 * 86400


@pytest.fixture
def later(monkeypatch):
    """Move the avatar rules' clock forward by some seconds."""
    real_now = clock.now

    def move(seconds: int) -> None:
        monkeypatch.setattr(clock, "now", lambda: real_now() + seconds)
    return move


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_delete_soft_deletes_and_clears_the_pointer(api, member) -> None:
    avatar_id = processed_avatar(member["user_id"])
    reply = api.delete("/me/avatar", token=member["token"])
    assert reply.status == 200, reply.body
    deleted = reply.json()
    assert deleted["avatar_id"] == avatar_id and deleted["status"] == "deleted"
    assert deleted["current"] is False and deleted["replaced_by"] is None  # its owner did it
    assert _epoch(deleted["restorable_until"]) - _epoch(deleted["deleted_at"]) == GRACE

    assert users.get_user(member["user_id"]).avatar_id is None
    stored = avatars.get_avatar(member["user_id"], avatar_id)
    assert stored.status == "deleted" and stored.expires_at is not None
    assert api.get("/me/avatar", token=member["token"]).error_code == "no_current_avatar"
    assert api.get("/me", token=member["token"]).json()["avatar"] is None
    again = api.delete("/me/avatar", token=member["token"])
    assert again.status == 404 and again.error_code == "no_current_avatar"


def test_restore_within_grace_swaps_with_the_current_avatar(api, member) -> None:
    first = processed_avatar(member["user_id"])
    second = processed_avatar(member["user_id"])  # the first is soft-deleted by the switch
    set_aside = api.get(f"/me/avatars/{first}", token=member["token"]).json()
    assert (set_aside["status"], set_aside["replaced_by"]) == ("deleted", second)  # said why
    reply = api.post(f"/me/avatars/{first}/restore", token=member["token"])
    assert reply.status == 200, reply.body
    assert reply.json()["status"] == "ready" and reply.json()["current"] is True
    assert reply.json()["restorable_until"] is None and len(reply.json()["variants"]) == len(AVATAR_SIZES)
    assert users.get_user(member["user_id"]).avatar_id == first
    assert reply.json()["replaced_by"] is None  # current again: nothing replaces it
    assert avatars.get_avatar(member["user_id"], second).status == "deleted"
    assert avatars.get_avatar(member["user_id"], second).replaced_by == first
    assert api.get("/me/avatar", token=member["token"]).json()["avatar_id"] == first


def test_restore_after_a_delete_needs_no_current_avatar(api, member) -> None:
    avatar_id = processed_avatar(member["user_id"])
    api.delete("/me/avatar", token=member["token"])
    assert api.post(f"/me/avatars/{avatar_id}/restore", token=member["token"]).status == 200
    assert users.get_user(member["user_id"]).avatar_id == avatar_id


def test_restore_after_grace_is_gone(api, member, later) -> None:
    avatar_id = processed_avatar(member["user_id"])
    api.delete("/me/avatar", token=member["token"])
    later(GRACE + 1)  # DynamoDB's TTL may not have removed it yet: the record is still there
    reply = api.post(f"/me/avatars/{avatar_id}/restore", token=member["token"])
    assert reply.status == 410 and reply.error_code == "restore_window_closed"
    assert api.get(f"/me/avatars/{avatar_id}", token=member["token"]).status == 404
    assert api.get("/me/avatars", token=member["token"]).json()["items"] == []


def test_restoring_what_is_not_deleted_is_a_conflict(api, member) -> None:
    current = processed_avatar(member["user_id"])
    reply = api.post(f"/me/avatars/{current}/restore", token=member["token"])
    assert reply.status == 409 and reply.error_code == "avatar_not_deleted"
    pending = pending_avatar(member["user_id"])
    assert api.post(f"/me/avatars/{pending.avatar_id}/restore",
                    token=member["token"]).error_code == "avatar_not_deleted"


def test_someone_elses_avatar_cannot_be_restored(api, member, other_member) -> None:
    theirs = processed_avatar(other_member["user_id"])
    api.delete("/me/avatar", token=other_member["token"])
    reply = api.post(f"/me/avatars/{theirs}/restore", token=member["token"])
    assert reply.status == 404 and reply.error_code == "avatar_not_found"
    assert avatars.get_avatar(other_member["user_id"], theirs).status == "deleted"


def test_a_lost_race_is_retried_then_answered_409(api, member, monkeypatch) -> None:
    avatar_id = processed_avatar(member["user_id"])
    api.delete("/me/avatar", token=member["token"])
    real_make_current, calls = avatars.make_current, []

    def flaky(*args, **kwargs):
        calls.append(kwargs["previous_avatar_id"])
        if len(calls) == 1:
            raise SwitchConflict("the avatar or the user changed meanwhile")
        return real_make_current(*args, **kwargs)

    monkeypatch.setattr(avatars, "make_current", flaky)
    assert api.post(f"/me/avatars/{avatar_id}/restore", token=member["token"]).status == 200
    assert len(calls) == 2

    def always_conflicts(*args, **kwargs):
        raise SwitchConflict("the avatar or the user changed meanwhile")

    monkeypatch.setattr(avatars, "soft_delete", always_conflicts)
    reply = api.delete("/me/avatar", token=member["token"])
    assert reply.status == 409 and reply.error_code == "avatar_changed"


def test_the_eleventh_delete_in_a_minute_is_limited(api, member, pinned_rate_window) -> None:
    for _ in range(10):
        assert api.delete("/me/avatar", token=member["token"]).status == 404
    limited = api.delete("/me/avatar", token=member["token"])
    assert limited.status == 429 and limited.error_code == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_history_shows_every_state_and_marks_the_current_one(api, member) -> None:
    user_id = member["user_id"]
    replaced = processed_avatar(user_id)
    current = processed_avatar(user_id)
    rejected = pending_avatar(user_id)
    avatars.mark_rejected(user_id, rejected.avatar_id, reason="corrupt", message="not an image",
                          now_iso="2027-01-15T08:01:00Z")
    abandoned = pending_avatar(user_id)
    avatars.set_status(user_id, abandoned.avatar_id, status=EXPIRED, expected_status=PENDING,
                       now_iso="2027-01-15T08:20:00Z")
    uploading = pending_avatar(user_id)

    reply = api.get("/me/avatars", token=member["token"])
    assert reply.status == 200, reply.body
    page = reply.json()
    by_id = {item["avatar_id"]: item for item in page["items"]}
    # Newest first; an upload form that was never used is not history.
    assert [i["avatar_id"] for i in page["items"]] == [
        uploading.avatar_id, rejected.avatar_id, current, replaced]
    assert page["next_cursor"] is None
    assert [i["current"] for i in page["items"]] == [False, False, True, False]
    assert by_id[uploading.avatar_id]["status"] == "pending"
    assert by_id[rejected.avatar_id]["reject_reason"] == "corrupt"
    assert by_id[rejected.avatar_id]["reject_message"] == "not an image"
    assert by_id[replaced]["status"] == "deleted" and by_id[replaced]["restorable_until"]
    assert by_id[replaced]["variants"], "a restorable avatar shows what a restore brings back"
    assert by_id[current]["restorable_until"] is None


def test_history_pages_with_an_opaque_cursor(api, member) -> None:
    made = [pending_avatar(member["user_id"]).avatar_id for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "/me/avatars?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, token=member["token"]).json()
        pages += 1
        assert len(page["items"]) <= 2
        seen += [item["avatar_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert member["user_id"] not in cursor  # opaque: no keys on show
    assert seen == list(reversed(made)) and pages == 3


def test_hidden_records_do_not_shorten_a_page(api, member) -> None:
    user_id = member["user_id"]
    visible = [pending_avatar(user_id).avatar_id for _ in range(2)]
    for _ in range(3):
        hidden = pending_avatar(user_id)
        avatars.set_status(user_id, hidden.avatar_id, status=EXPIRED, expected_status=PENDING,
                           now_iso="2027-01-15T08:20:00Z")
    page = api.get("/me/avatars?limit=2", token=member["token"]).json()
    assert [i["avatar_id"] for i in page["items"]] == list(reversed(visible))


def test_a_forged_cursor_is_400(api, member) -> None:
    for cursor in ("garbage", "eyJhZnRlciI6IDF9", "eyJ4IjoxfQ"):
        reply = api.get(f"/me/avatars?cursor={cursor}", token=member["token"])
        assert reply.status == 400 and reply.error_code == "invalid_cursor", cursor
    assert api.get("/me/avatars?limit=0", token=member["token"]).status == 422


def test_regenerating_the_default_avatar_makes_it_current(api, member) -> None:
    uploaded = processed_avatar(member["user_id"])
    reply = api.post("/me/avatar/default", token=member["token"])
    assert reply.status == 201, reply.body
    made = reply.json()
    assert made["status"] == "ready" and made["current"] is True
    assert made["source"] == get_settings().default_avatar_provider == "identicon"
    assert set(made["variants"]) == set(AVATAR_SIZES)
    assert made["variants"]["full"]["width"] == 1024
    assert users.get_user(member["user_id"]).avatar_id == made["avatar_id"]
    assert avatars.get_avatar(member["user_id"], uploaded).status == "deleted"
