"""Processing an uploaded avatar: validate, make the variants, switch, clean up.

S3 delivers ObjectCreated events at least once and in any order, so this is
idempotent twice over: Powertools remembers each finished upload (bucket +
key + etag), and every state change is conditioned on the avatar still being
pending, so even a repeat that slips past the record changes nothing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.errors import ImageRejected
from portrait.imaging import sniff
from portrait.imaging.validate import Limits, check_size
from portrait.s3_events import UploadedObject
from portrait.observability import MetricUnit, count_by, logger, metrics
from portrait.services.avatars.variants import (
    AvatarSettled,
    ready_changes,
    render_variants,
    store_variants,
    switch_to,
)
from portrait.services.uploads import issued_upload, read_upload
from portrait.store import avatars, objects, users
from portrait.store.avatars import PENDING, Avatar
from portrait.store.idempotency import once_per_upload, register_lambda_context

__all__ = ["AvatarUpload", "UploadOutcome", "AvatarNotFoundYet", "process_avatar_upload",
           "register_lambda_context"]


AvatarUpload = UploadedObject  # one ObjectCreated notification, its key URL-decoded


@dataclass(frozen=True)
class UploadOutcome:
    outcome: str  # ready | rejected | unchanged (already settled) | dropped
    avatar_id: str | None = None
    reason: str | None = None


class AvatarNotFoundYet(LookupError):
    """The upload's avatar is not visible yet (the by_upload index is eventually
    consistent); raised so the message comes back and is tried again."""


@once_per_upload(key_prefix="avatar-upload", output=UploadOutcome)
def process_avatar_upload(*, upload: AvatarUpload) -> UploadOutcome:
    tmp = issued_upload(upload, "avatars")
    if tmp is None:
        return UploadOutcome("dropped", reason="unknown_key")
    found = avatars.find_by_upload(tmp.upload_id)
    if found is None:
        raise AvatarNotFoundYet(f"no avatar for upload {tmp.upload_id} yet")
    user_id, avatar_id = found
    if user_id != tmp.user_id:
        logger.warning("dropping an upload whose key names another user than the avatar's owner",
                       extra={"key": upload.key, "owner": user_id})
        objects.delete_objects([upload.key])
        return UploadOutcome("dropped", reason="owner_mismatch")
    avatar = avatars.get_avatar(user_id, avatar_id)
    if avatar is None or avatar.status != PENDING:
        return _already_settled(avatar, upload)
    if users.get_user(user_id) is None:  # the account was closed meanwhile
        objects.delete_objects([upload.key])
        return UploadOutcome("dropped", avatar_id, reason="user_missing")
    return _process(avatar, upload)


def _process(avatar: Avatar, upload: AvatarUpload) -> UploadOutcome:
    settings = get_settings()
    started = time.perf_counter()
    stored = read_upload(upload, settings.avatar_max_bytes)
    if stored is None:
        return UploadOutcome("dropped", avatar.avatar_id, reason="object_missing")
    original = {"bytes": stored.size, "etag": stored.etag}
    try:
        check_size(stored.size, Limits(max_bytes=settings.avatar_max_bytes))  # by HEAD
        variant_set = render_variants(stored.body, settings)
    except ImageRejected as rejection:
        return _reject(avatar, upload, rejection, {**original, "format": sniff(stored.body)})

    variants = store_variants(avatar.user_id, avatar.avatar_id, variant_set)
    try:
        previous = switch_to(avatar.user_id, avatar.avatar_id,
                             ready_changes(variant_set, variants, etag=stored.etag))
    except AvatarSettled:
        return UploadOutcome("unchanged", avatar.avatar_id)
    objects.delete_objects([upload.key])  # avatar.ready comes from the avatars stream
    metrics.add_metric(name="AvatarProcessed", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="AvatarBytesIn", unit=MetricUnit.Bytes, value=stored.size)
    metrics.add_metric(name="AvatarBytesOut", unit=MetricUnit.Bytes,
                       value=sum(len(v.body) for v in variant_set.variants))
    metrics.add_metric(name="AvatarProcessingTime", unit=MetricUnit.Milliseconds,
                       value=(time.perf_counter() - started) * 1000)
    logger.info("avatar ready", extra={"avatar_id": avatar.avatar_id, "user_id": avatar.user_id,
                                       "replaced": previous})
    return UploadOutcome("ready", avatar.avatar_id)


def _reject(avatar: Avatar, upload: AvatarUpload, rejection: ImageRejected,
            original: dict) -> UploadOutcome:
    changed = avatars.mark_rejected(avatar.user_id, avatar.avatar_id, reason=rejection.reason,
                                    message=rejection.message, now_iso=clock.now_and_iso()[1],
                                    original={k: v for k, v in original.items() if v is not None})
    objects.delete_objects([upload.key])
    if not changed:
        return UploadOutcome("unchanged", avatar.avatar_id)
    count_by("AvatarRejected", reason=rejection.reason)
    # The total beside the by-reason count: AvatarRejectionsAlarm watches one series, not
    # one per reason (an alarm names an exact dimension set).
    metrics.add_metric(name="AvatarsRejected", unit=MetricUnit.Count, value=1)
    logger.info("avatar rejected", extra={"avatar_id": avatar.avatar_id,
                                          "reason": rejection.reason, "detail": rejection.detail})
    return UploadOutcome("rejected", avatar.avatar_id, rejection.reason)


def _already_settled(avatar: Avatar | None, upload: AvatarUpload) -> UploadOutcome:
    """A late or repeated event: the avatar and the user are left as they are.

    The upload is deleted (nothing will ever read it; an earlier attempt may
    have stopped after the switch, before its delete). Its event needs no
    second publish: it comes from the avatars stream, once the switch commits.
    """
    objects.delete_objects([upload.key])
    if avatar is None:
        return UploadOutcome("dropped", reason="avatar_missing")
    return UploadOutcome("unchanged", avatar.avatar_id)
