"""Avatar records and the one-step switches between them.

Life cycle: pending (form issued) → ready | rejected (processor) → deleted
(soft, restorable until expires_at) → gone (TTL or the nightly sweep).
`pending` can also end as `expired` (the upload never came). A purged avatar
leaves a tombstone (status `purged`) for a while, so a late restore answers 410.

The user's `avatar_id` pointer moves only inside a transaction that also
changes the avatars involved, each write conditioned on the state it expects:
no reader ever sees a user pointing at an avatar that is not ready, and a
concurrent change makes the transaction fail instead of losing an update.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from portrait.errors import Conflict
from portrait.store.models import (AvatarItem, UserItem, bound, condition_failed, plain,
                                   transaction_condition_failed, transaction_connection)

PENDING, READY, REJECTED, DELETED, EXPIRED = "pending", "ready", "rejected", "deleted", "expired"
PURGED = "purged"  # a tombstone: objects and record gone, only the id is remembered
SOFT_DELETED = "soft-deleted"  # the soft_deleted index's only partition
PENDING_UPLOAD = "pending-upload"  # the pending_uploads index's only partition


@dataclass(frozen=True)
class Avatar:
    user_id: str
    avatar_id: str
    status: str
    source: str
    created_at: str
    updated_at: str
    upload_id: str | None = None
    upload_key: str | None = None
    content_type: str | None = None
    upload_expires_at: int | None = None
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    original: dict[str, Any] = field(default_factory=dict)
    framing: str | None = None  # face | centre (portrait.imaging.framing); None before ready
    reject_reason: str | None = None
    reject_message: str | None = None
    ready_at: str | None = None
    deleted_at: str | None = None
    replaced_by: str | None = None  # the avatar that took its place, when one did
    replaces: str | None = None  # the avatar it took the place of when it last became current
    expires_at: int | None = None

    def past_grace(self, now: float) -> bool:
        """A soft-deleted avatar whose grace has run out: gone for every reader,
        even if DynamoDB's TTL (which lags up to about two days) has not removed it."""
        return self.expires_at is not None and self.expires_at <= now


class SwitchConflict(Conflict):
    """The avatars or the user changed between our read and our write; re-read and retry."""

    code = "avatar_changed"


def _from_item(item: AvatarItem) -> Avatar:
    values = {name: getattr(item, name) for name in Avatar.__dataclass_fields__}
    values["variants"] = plain(item.variants) or {}
    values["original"] = plain(item.original) or {}
    for name in ("upload_expires_at", "expires_at"):
        values[name] = int(values[name]) if values[name] is not None else None
    return Avatar(**values)


def from_image(image: dict[str, Any]) -> Avatar:
    """An avatar from a stream image, as Powertools deserialises it (Decimals)."""
    values = {name: plain(image.get(name)) for name in Avatar.__dataclass_fields__}
    values["variants"] = values["variants"] or {}
    values["original"] = values["original"] or {}
    return Avatar(**values)


def create_avatar(avatar: Avatar) -> None:
    model = bound(AvatarItem)
    values = {k: v for k, v in avatar.__dict__.items() if v not in (None, {})}
    if avatar.status == PENDING and avatar.upload_expires_at is not None:
        values["pending_upload"] = PENDING_UPLOAD  # every move off pending removes it
    try:
        model(**values).save(condition=model.avatar_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("this avatar exists already", code="avatar_exists") from None
        raise


def get_avatar(user_id: str, avatar_id: str) -> Avatar | None:
    """The record as stored (callers decide what past_grace means for them)."""
    try:
        return _from_item(bound(AvatarItem).get(user_id, avatar_id, consistent_read=True))
    except AvatarItem.DoesNotExist:
        return None


def find_by_upload(upload_id: str) -> tuple[str, str] | None:
    """(user_id, avatar_id) of the avatar an upload id belongs to (index: eventually consistent)."""
    for item in bound(AvatarItem).by_upload.query(upload_id, limit=1):
        return item.user_id, item.avatar_id
    return None


def list_avatars(user_id: str, *, limit: int = 50, after: str | None = None
                 ) -> tuple[list[Avatar], str | None]:
    """Newest first (avatar ids are ULIDs), starting after the avatar id `after`.

    Returns the page and the avatar id to continue after, or None at the end.
    Only the user's own partition is ever read, whatever `after` holds.
    """
    start = {"user_id": {"S": user_id}, "avatar_id": {"S": after}} if after else None
    result = bound(AvatarItem).query(user_id, scan_index_forward=False, limit=limit,
                                     last_evaluated_key=start, consistent_read=True)
    items = [_from_item(item) for item in result]
    last = result.last_evaluated_key
    return items, (last["avatar_id"]["S"] if last else None)


def iter_soft_deleted(*, expired_before: int) -> Iterator[Avatar]:
    """Soft-deleted avatars whose grace ended before `expired_before`, oldest first."""
    index = bound(AvatarItem).soft_deleted
    for item in index.query(SOFT_DELETED, AvatarItem.expires_at < expired_before):
        yield _from_item(item)


def mark_rejected(user_id: str, avatar_id: str, *, reason: str, message: str, now_iso: str,
                  original: dict[str, Any] | None = None) -> bool:
    """pending → rejected (with what is known of the upload, `original`);
    False if it was no longer pending (a redelivery)."""
    model = bound(AvatarItem)
    actions = [model.status.set(REJECTED), model.reject_reason.set(reason),
               model.reject_message.set(message), model.updated_at.set(now_iso),
               model.pending_upload.remove()]
    if original:
        actions.append(model.original.set(original))
    try:
        model(user_id, avatar_id).update(actions=actions, condition=model.status == PENDING)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _soft_delete_actions(model: type[AvatarItem], *, now_iso: str, expires_at: int,
                         replaced_by: str | None = None) -> list:
    return [model.status.set(DELETED), model.deleted_at.set(now_iso), model.updated_at.set(now_iso),
            model.expires_at.set(expires_at), model.purge_queue.set(SOFT_DELETED),
            model.pending_upload.remove(),
            model.replaced_by.set(replaced_by) if replaced_by else model.replaced_by.remove()]


def make_current(user_id: str, avatar_id: str, *, expected_status: str, previous_avatar_id: str | None,
                 now_iso: str, now: int, grace_seconds: int, changes: dict[str, Any] | None = None) -> None:
    """In one transaction: the avatar becomes ready (with `changes`), the user points
    at it, and the previously current avatar is soft-deleted.

    `expected_status` is pending (a processed upload or default) or deleted (a
    restore, which must also still be within grace). SwitchConflict when any
    of it changed since the caller read it.
    """
    avatars, users = bound(AvatarItem), bound(UserItem)
    replaces = previous_avatar_id if previous_avatar_id != avatar_id else None
    actions = [avatars.status.set(READY), avatars.updated_at.set(now_iso),
               avatars.deleted_at.remove(), avatars.expires_at.remove(), avatars.purge_queue.remove(),
               avatars.pending_upload.remove(), avatars.replaced_by.remove(),
               # In the record, so its stream image tells avatar.ready what it replaced.
               avatars.replaces.set(replaces) if replaces else avatars.replaces.remove()]
    actions += [getattr(avatars, name).set(value) for name, value in (changes or {}).items()]
    condition = avatars.status == expected_status
    if expected_status == DELETED:
        condition &= avatars.expires_at > now
    pointer_unchanged = (users.avatar_id == previous_avatar_id if previous_avatar_id
                         else users.avatar_id.does_not_exist())
    try:
        with TransactWrite(connection=transaction_connection(avatars)) as tx:
            tx.update(avatars(user_id, avatar_id), actions=actions, condition=condition)
            tx.update(users(f"user#{user_id}"),
                      actions=[users.avatar_id.set(avatar_id), users.updated_at.set(now_iso)],
                      condition=users.pk.exists() & pointer_unchanged)
            if previous_avatar_id and previous_avatar_id != avatar_id:
                tx.update(avatars(user_id, previous_avatar_id),
                          actions=_soft_delete_actions(avatars, now_iso=now_iso,
                                                       expires_at=now + grace_seconds,
                                                       replaced_by=avatar_id),
                          condition=avatars.status == READY)
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            raise SwitchConflict("the avatar or the user changed meanwhile") from None
        raise


def soft_delete(user_id: str, avatar_id: str, *, clear_pointer: bool, now_iso: str, now: int,
                grace_seconds: int, expected_status: str = READY) -> None:
    """ready (or pending) → deleted, restorable until now + grace; with `clear_pointer`
    the user's avatar pointer (which must point here) is cleared in the same step,
    without it the pointer must point elsewhere (it may have moved here since the read)."""
    avatars, users = bound(AvatarItem), bound(UserItem)
    try:
        with TransactWrite(connection=transaction_connection(avatars)) as tx:
            tx.update(avatars(user_id, avatar_id),
                      actions=_soft_delete_actions(avatars, now_iso=now_iso, expires_at=now + grace_seconds),
                      condition=avatars.status == expected_status)
            if clear_pointer:
                tx.update(users(f"user#{user_id}"),
                          actions=[users.avatar_id.remove(), users.updated_at.set(now_iso)],
                          condition=users.avatar_id == avatar_id)
            else:
                tx.condition_check(users, f"user#{user_id}", condition=(
                    users.avatar_id.does_not_exist() | (users.avatar_id != avatar_id)))
    except TransactWriteError as exc:
        if transaction_condition_failed(exc):
            raise SwitchConflict("the avatar or the user changed meanwhile") from None
        raise


def set_status(user_id: str, avatar_id: str, *, status: str, expected_status: str, now_iso: str) -> bool:
    """A plain status move (e.g. pending → expired); False if the status was not as expected."""
    model = bound(AvatarItem)
    try:
        model(user_id, avatar_id).update(
            actions=[model.status.set(status), model.updated_at.set(now_iso),
                     model.pending_upload.remove()],
            condition=model.status == expected_status)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete_record(user_id: str, avatar_id: str, *, expected_status: str | None = None) -> bool:
    """Remove the record (no tombstone); with `expected_status` only while it has that
    status, else False (it changed or is gone). Never for a current avatar: callers remove
    only records the pointer cannot reach (rejected, expired)."""
    model = bound(AvatarItem)
    condition = model.status == expected_status if expected_status else None
    try:
        model(user_id, avatar_id).delete(condition=condition)
    except DeleteError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
