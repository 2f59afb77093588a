"""Avatar records as the storage sweeps see them: uploads that never came,
which avatars still own their objects, and tombstones for purged avatars.

A tombstone replaces a purged avatar's record (same key, status `purged`, no
variants, not in the soft_deleted index, its own TTL) so a restore asked
after the purge still answers 410 rather than 404 for a while.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from pynamodb.exceptions import PutError

from portrait.store.avatars import DELETED, PENDING_UPLOAD, PURGED, Avatar
from portrait.store.models import AvatarItem, bound, condition_failed

# Statuses whose record owns objects under avatars/{user}/{avatar}/. Rejected and
# expired avatars never got variants, and a tombstone's objects are gone by definition.
HOLDS_OBJECTS = frozenset({"pending", "ready", "deleted"})


def iter_stale_pending_uploads(*, expired_before: int) -> Iterator[tuple[str, str]]:
    """(user_id, avatar_id) of pending avatars whose upload form expired before `expired_before`."""
    index = bound(AvatarItem).pending_uploads
    for item in index.query(PENDING_UPLOAD, AvatarItem.upload_expires_at < expired_before):
        yield item.user_id, item.avatar_id


def avatar_statuses(avatar_keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The status of each of these avatars that has a record (missing ones are absent).

    BatchGetItem, 100 keys a call (PynamoDB splits and retries unprocessed keys),
    strongly consistent: a record written a moment ago must not look missing.
    """
    wanted = sorted(set(avatar_keys))
    if not wanted:
        return {}
    model = bound(AvatarItem)
    return {(item.user_id, item.avatar_id): item.status
            for item in model.batch_get(wanted, consistent_read=True,
                                        attributes_to_get=["user_id", "avatar_id", "status"])}


def _tombstone(avatar_like: dict, *, now_iso: str, expires_at: int) -> AvatarItem:
    model = bound(AvatarItem)
    return model(avatar_like["user_id"], avatar_like["avatar_id"], status=PURGED,
                 source=avatar_like.get("source") or "upload",
                 created_at=avatar_like.get("created_at") or now_iso, updated_at=now_iso,
                 # Kept so a purged avatar still says it was once ready: a user who deleted
                 # their default is not given another (services/default_avatars).
                 ready_at=avatar_like.get("ready_at"),
                 deleted_at=avatar_like.get("deleted_at"), expires_at=expires_at)


def replace_with_tombstone(avatar: Avatar, *, now_iso: str, expires_at: int) -> bool:
    """The soft-deleted record becomes a tombstone in one write; False if it changed since
    it was read (restored, re-deleted, or already purged by the TTL's stream)."""
    model = bound(AvatarItem)
    try:
        _tombstone(avatar.__dict__, now_iso=now_iso, expires_at=expires_at).save(
            condition=(model.status == DELETED) & (model.expires_at == avatar.expires_at))
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def write_tombstone(old_image: dict, *, now_iso: str, expires_at: int) -> bool:
    """A tombstone for an avatar DynamoDB's TTL removed (`old_image` is its last image,
    deserialized); False if there is one already (a redelivered stream record)."""
    model = bound(AvatarItem)
    try:
        _tombstone(old_image, now_iso=now_iso, expires_at=expires_at).save(
            condition=model.avatar_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
