"""Changing avatars: deleting one (the current one, or any in the history),
restoring a deleted one, and regenerating the default. Starting an upload is
services.avatar_uploads.

The user's avatar pointer only moves in the store's switch transactions, each
conditioned on what we read. When someone else got there first (another tab,
the processor finishing an upload) the switch raises SwitchConflict; we read
again and retry a few times before answering 409.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, TypeVar

from portrait import clock
from portrait.config import get_settings
from portrait.errors import Conflict, Gone, NotFound
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.services.avatars.views import AvatarView, avatar_view
from portrait.store import avatars, rate_limits, users
from portrait.store.avatars import DELETED, EXPIRED, PENDING, PURGED, READY, REJECTED, SwitchConflict

SWITCH_ATTEMPTS = 3

T = TypeVar("T")


@dataclass(frozen=True)
class RemovedAvatar:
    """A rejected or expired avatar's record, removed: there was nothing to restore."""

    avatar_id: str
    status: Literal["removed"] = "removed"


def _retrying(attempt: Callable[[], T]) -> T:
    """Run a read-then-switch `attempt` again while it loses races; SwitchConflict (409) at last."""
    for remaining in range(SWITCH_ATTEMPTS - 1, -1, -1):
        try:
            return attempt()
        except SwitchConflict:
            if not remaining:
                raise
    raise AssertionError("unreachable")


def _view(user_id: str, avatar_id: str, *, current: str | None) -> AvatarView:
    avatar = avatars.get_avatar(user_id, avatar_id)
    if avatar is None:  # purged between our switch and this read: vanishingly rare
        raise NotFound("no such avatar", code="avatar_not_found")
    return avatar_view(avatar, current_avatar_id=current)


def _limit_deletes(user_id: str) -> None:
    rate_limits.hit("avatar_delete", user_id, limit=get_settings().avatar_deletes_per_minute)


def _soft_delete(user_id: str, avatar_id: str, *, current: bool) -> None:
    """ready → deleted, restorable for the grace period; a `current` one also clears the pointer."""
    now = clock.now()
    avatars.soft_delete(user_id, avatar_id, clear_pointer=current, now_iso=clock.iso(now), now=now,
                        grace_seconds=get_settings().avatar_grace_seconds)


def _soft_deleted(user_id: str, avatar_id: str) -> AvatarView:
    emit(M.AVATAR_DELETED)
    return _view(user_id, avatar_id, current=None)


def delete_current_avatar(user_id: str) -> AvatarView:
    """Soft-delete the current avatar and clear the pointer; restorable during the grace period."""
    _limit_deletes(user_id)

    def attempt() -> str:
        user = users.get_user(user_id)
        if user is None or not user.avatar_id:
            raise NotFound("you have no avatar to delete", code="no_current_avatar")
        _soft_delete(user_id, user.avatar_id, current=True)
        return user.avatar_id

    return _soft_deleted(user_id, _retrying(attempt))


def delete_avatar(user_id: str, avatar_id: str) -> AvatarView | RemovedAvatar:
    """Delete one avatar of the history, by id.

    A ready one is soft-deleted (restorable; the pointer cleared if it was current,
    as delete_current_avatar does). A rejected or expired one has no images and
    nothing to restore: its record is removed. 404 for an unknown (or someone
    else's) id and for one past grace, as the readers say; 409 for one deleted
    already or still uploading.
    """
    _limit_deletes(user_id)

    def attempt() -> RemovedAvatar | None:  # None: soft-deleted
        avatar = avatars.get_avatar(user_id, avatar_id)
        if avatar is None or avatar.status == PURGED or avatar.past_grace(clock.now()):
            raise NotFound("no such avatar", code="avatar_not_found")
        if avatar.status == DELETED:
            raise Conflict("this avatar is deleted already", code="avatar_already_deleted")
        if avatar.status == PENDING:
            raise Conflict("this avatar is still being uploaded or processed", code="avatar_in_progress")
        if avatar.status in (REJECTED, EXPIRED):
            # Conditioned on the status read: a record that changed meanwhile is read again.
            if not avatars.delete_record(user_id, avatar_id, expected_status=avatar.status):
                raise SwitchConflict("the avatar changed meanwhile")
            return RemovedAvatar(avatar_id=avatar_id)
        if avatar.status != READY:  # a status this code does not know: touch nothing
            raise Conflict("this avatar cannot be deleted", code="avatar_not_deletable")
        user = users.get_user(user_id)
        _soft_delete(user_id, avatar_id, current=user is not None and user.avatar_id == avatar_id)
        return None

    removed = _retrying(attempt)
    if removed is not None:
        emit(M.AVATAR_REMOVED)
        return removed
    return _soft_deleted(user_id, avatar_id)


def restore_avatar(user_id: str, avatar_id: str) -> AvatarView:
    """Make a soft-deleted avatar current again (the then-current one is soft-deleted).

    404 for an unknown (or someone else's) id, 410 once the grace has run out
    (and, for a while, after the purge: its tombstone remembers the id),
    409 for an avatar that is not deleted or was never processed.
    """
    settings = get_settings()

    def attempt() -> None:
        avatar = avatars.get_avatar(user_id, avatar_id)
        if avatar is None:
            raise NotFound("no such avatar", code="avatar_not_found")
        now = clock.now()
        if avatar.status == PURGED or avatar.past_grace(now):
            raise Gone("this avatar can no longer be restored", code="restore_window_closed")
        if avatar.status != DELETED:
            raise Conflict("only a deleted avatar can be restored", code="avatar_not_deleted")
        if not avatar.variants:  # deleted before processing finished: nothing to show
            raise Conflict("this avatar was never processed", code="avatar_not_restorable")
        user = users.get_user(user_id)
        if user is None:
            raise NotFound("no such user", code="user_not_found")
        avatars.make_current(user_id, avatar_id, expected_status=DELETED,
                             previous_avatar_id=user.avatar_id, now_iso=clock.iso(now), now=now,
                             grace_seconds=settings.avatar_grace_seconds)

    _retrying(attempt)
    emit(M.AVATAR_RESTORED)
    return _view(user_id, avatar_id, current=avatar_id)


def regenerate_default_avatar(user_id: str) -> AvatarView:
    """A fresh default avatar (identicon or Gravatar) becomes current.

    Counted against the upload limit: it costs the same image work as an upload.
    """
    rate_limits.hit("avatar_upload", user_id, limit=get_settings().avatar_uploads_per_minute)
    # Imported here: the image work (Pillow) stays out of the cold start of every other route.
    from portrait.services.avatars.defaults import create_default_avatar

    avatar = create_default_avatar(user_id)
    return avatar_view(avatar, current_avatar_id=avatar.avatar_id)
