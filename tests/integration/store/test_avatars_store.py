"""Avatar records and their switches, on DynamoDB Local (real transaction semantics)."""
from __future__ import annotations

import pytest

from portrait.ids import new_id
from portrait.store import avatars, users
from portrait.store.avatars import DELETED, PENDING, READY, REJECTED, Avatar, SwitchConflict
from tests.integration.store.test_users_store import make_user

pytestmark = pytest.mark.dynamodb_local

NOW = 1_800_000_000
ISO = "2027-01-15T08:00:00Z"
GRACE = 7 * 86400


def _pending(user_id: str, **overrides) -> Avatar:
    values = dict(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                  created_at=ISO, updated_at=ISO, upload_id=new_id(), content_type="image/png")
    values.update(overrides)
    avatar = Avatar(**values)
    avatars.create_avatar(avatar)
    return avatar


def _activate(user_id: str, avatar: Avatar, previous: str | None) -> None:
    avatars.make_current(user_id, avatar.avatar_id, expected_status=PENDING,
                         previous_avatar_id=previous, now_iso=ISO, now=NOW, grace_seconds=GRACE,
                         changes={"variants": {"small": {"key": "k", "width": 128, "height": 128}}})


def test_switch_replace_restore(store_env) -> None:
    user = make_user()
    users.insert_user(user)
    first = _pending(user.user_id)
    assert avatars.find_by_upload(first.upload_id) == (user.user_id, first.avatar_id)

    _activate(user.user_id, first, None)
    assert users.get_user(user.user_id).avatar_id == first.avatar_id
    stored = avatars.get_avatar(user.user_id, first.avatar_id)
    assert stored.status == READY and stored.variants["small"]["width"] == 128

    second = _pending(user.user_id)
    _activate(user.user_id, second, first.avatar_id)
    old = avatars.get_avatar(user.user_id, first.avatar_id)
    assert old.status == DELETED and old.expires_at == NOW + GRACE
    assert [a.avatar_id for a in avatars.iter_soft_deleted(expired_before=NOW + GRACE + 1)] == [first.avatar_id]
    assert list(avatars.iter_soft_deleted(expired_before=NOW + GRACE)) == []

    # A stale switch (the pointer moved meanwhile) fails instead of losing an update.
    third = _pending(user.user_id)
    with pytest.raises(SwitchConflict):
        _activate(user.user_id, third, first.avatar_id)
    assert avatars.get_avatar(user.user_id, third.avatar_id).status == PENDING

    avatars.make_current(user.user_id, first.avatar_id, expected_status=DELETED,
                         previous_avatar_id=second.avatar_id, now_iso=ISO, now=NOW, grace_seconds=GRACE)
    assert users.get_user(user.user_id).avatar_id == first.avatar_id
    restored = avatars.get_avatar(user.user_id, first.avatar_id)
    assert restored.status == READY and restored.expires_at is None
    assert avatars.get_avatar(user.user_id, second.avatar_id).status == DELETED

    listed, cursor = avatars.list_avatars(user.user_id)
    assert [a.avatar_id for a in listed] == [third.avatar_id, second.avatar_id, first.avatar_id]
    assert cursor is None
    page, after = avatars.list_avatars(user.user_id, limit=2)
    assert [a.avatar_id for a in page] == [third.avatar_id, second.avatar_id] and after == second.avatar_id
    rest, after = avatars.list_avatars(user.user_id, limit=2, after=after)
    assert [a.avatar_id for a in rest] == [first.avatar_id] and after is None


def test_restore_after_grace_is_refused(store_env) -> None:
    user = make_user()
    users.insert_user(user)
    avatar = _pending(user.user_id)
    _activate(user.user_id, avatar, None)
    avatars.soft_delete(user.user_id, avatar.avatar_id, clear_pointer=True, now_iso=ISO, now=NOW,
                        grace_seconds=GRACE)
    assert users.get_user(user.user_id).avatar_id is None
    assert avatars.get_avatar(user.user_id, avatar.avatar_id).past_grace(NOW + GRACE)
    with pytest.raises(SwitchConflict):
        avatars.make_current(user.user_id, avatar.avatar_id, expected_status=DELETED,
                             previous_avatar_id=None, now_iso=ISO, now=NOW + GRACE, grace_seconds=GRACE)


def test_rejection_happens_once(store_env) -> None:
    user = make_user()
    users.insert_user(user)
    avatar = _pending(user.user_id)
    assert avatars.mark_rejected(user.user_id, avatar.avatar_id, reason="corrupt", message="m", now_iso=ISO)
    assert not avatars.mark_rejected(user.user_id, avatar.avatar_id, reason="corrupt", message="m", now_iso=ISO)
    assert avatars.get_avatar(user.user_id, avatar.avatar_id).reject_reason == "corrupt"


def test_deletes_that_keep_the_pointer_are_conditioned(store_env) -> None:
    user = make_user()
    users.insert_user(user)
    current = _pending(user.user_id)
    _activate(user.user_id, current, None)
    # Soft-deleting without clearing the pointer is refused while the pointer is here.
    with pytest.raises(SwitchConflict):
        avatars.soft_delete(user.user_id, current.avatar_id, clear_pointer=False, now_iso=ISO,
                            now=NOW, grace_seconds=GRACE)
    assert avatars.get_avatar(user.user_id, current.avatar_id).status == READY
    spare = _pending(user.user_id)
    avatars.set_status(user.user_id, spare.avatar_id, status=READY, expected_status=PENDING, now_iso=ISO)
    avatars.soft_delete(user.user_id, spare.avatar_id, clear_pointer=False, now_iso=ISO, now=NOW,
                        grace_seconds=GRACE)
    assert avatars.get_avatar(user.user_id, spare.avatar_id).status == DELETED
    assert users.get_user(user.user_id).avatar_id == current.avatar_id

    # A record is removed only while it has the status the caller read.
    assert not avatars.delete_record(user.user_id, current.avatar_id, expected_status=REJECTED)
    assert avatars.get_avatar(user.user_id, current.avatar_id).status == READY
    rejected = _pending(user.user_id)
    avatars.mark_rejected(user.user_id, rejected.avatar_id, reason="corrupt", message="m", now_iso=ISO)
    assert avatars.delete_record(user.user_id, rejected.avatar_id, expected_status=REJECTED)
    assert avatars.get_avatar(user.user_id, rejected.avatar_id) is None
    assert not avatars.delete_record(user.user_id, rejected.avatar_id, expected_status=REJECTED)
