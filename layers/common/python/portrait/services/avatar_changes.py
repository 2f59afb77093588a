"""Changing avatars: starting an upload, deleting the current avatar, restoring a
deleted one, and regenerating the default.

The user's avatar pointer only moves in the store's switch transactions, each
conditioned on what we read. When someone else got there first (another tab,
the processor finishing an upload) the switch raises SwitchConflict; we read
again and retry a few times before answering 409.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Callable, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from portrait.config import get_settings
from portrait.errors import Conflict, Gone, InvalidInput, NotFound
from portrait.ids import new_id
from portrait.observability import MetricUnit, metrics
from portrait.services import avatar_views
from portrait.services.avatar_views import AvatarView, avatar_view, iso
from portrait.store import avatars, keys, objects, rate_limits, users
from portrait.store.avatars import DELETED, PENDING, PURGED, Avatar, SwitchConflict

ALLOWED_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# Names some clients send for JPEG; the form is then issued for the real one.
_CONTENT_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
SWITCH_ATTEMPTS = 3

T = TypeVar("T")


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: Annotated[str, Field(min_length=1, max_length=100, examples=["image/jpeg"],
                                       description="one of " + ", ".join(ALLOWED_CONTENT_TYPES))]


@dataclass(frozen=True)
class UploadForm:
    upload_id: str
    avatar_id: str
    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int
    content_type: str


def allowed_content_type(requested: str, what: str = "avatars") -> str:
    """The content type a form is issued for (aliases resolved); InvalidInput if not an image
    we take. Shared with generation photos, which follow the avatar rules."""
    content_type = requested.split(";")[0].strip().lower()
    content_type = _CONTENT_TYPE_ALIASES.get(content_type, content_type)
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise InvalidInput(f"{what} must be one of {', '.join(ALLOWED_CONTENT_TYPES)}",
                           code="unsupported_content_type")
    return content_type


def start_avatar_upload(user_id: str, request: UploadRequest) -> UploadForm:
    """A presigned POST form for a new avatar's source, and its pending record.

    S3 enforces the form's key, size range and content type; the record exists
    before the form is handed out, so the processor always finds it.
    """
    settings = get_settings()
    content_type = allowed_content_type(request.content_type)  # a bad request costs no quota
    rate_limits.hit("avatar_upload", user_id, limit=settings.avatar_uploads_per_minute)
    now = avatar_views.now()
    upload_id, avatar_id = new_id(), new_id()
    key = keys.tmp_upload_key("avatars", user_id, upload_id)
    form = objects.presigned_upload_form(
        key, content_types=ALLOWED_CONTENT_TYPES, content_type=content_type,
        max_bytes=settings.avatar_max_bytes, expires_in=settings.upload_form_ttl_seconds)
    expires_at = now + settings.upload_form_ttl_seconds
    avatars.create_avatar(Avatar(
        user_id=user_id, avatar_id=avatar_id, status=PENDING, source="upload",
        created_at=iso(now), updated_at=iso(now), upload_id=upload_id, upload_key=key,
        content_type=content_type, upload_expires_at=expires_at))
    metrics.add_metric(name="AvatarUploadStarted", unit=MetricUnit.Count, value=1)
    return UploadForm(upload_id=upload_id, avatar_id=avatar_id, url=form["url"], fields=form["fields"],
                      expires_at=iso(expires_at), max_bytes=settings.avatar_max_bytes,
                      content_type=content_type)


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


def delete_current_avatar(user_id: str) -> AvatarView:
    """Soft-delete the current avatar and clear the pointer; restorable during the grace period."""
    settings = get_settings()
    rate_limits.hit("avatar_delete", user_id, limit=settings.avatar_deletes_per_minute)

    def attempt() -> str:
        user = users.get_user(user_id)
        if user is None or not user.avatar_id:
            raise NotFound("you have no avatar to delete", code="no_current_avatar")
        now = avatar_views.now()
        avatars.soft_delete(user_id, user.avatar_id, clear_pointer=True, now_iso=iso(now), now=now,
                            grace_seconds=settings.avatar_grace_seconds)
        return user.avatar_id

    deleted_id = _retrying(attempt)
    metrics.add_metric(name="AvatarDeleted", unit=MetricUnit.Count, value=1)
    return _view(user_id, deleted_id, current=None)


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
        now = avatar_views.now()
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
                             previous_avatar_id=user.avatar_id, now_iso=iso(now), now=now,
                             grace_seconds=settings.avatar_grace_seconds)

    _retrying(attempt)
    metrics.add_metric(name="AvatarRestored", unit=MetricUnit.Count, value=1)
    return _view(user_id, avatar_id, current=avatar_id)


def regenerate_default_avatar(user_id: str) -> AvatarView:
    """A fresh default avatar (identicon or Gravatar) becomes current.

    Counted against the upload limit: it costs the same image work as an upload.
    """
    rate_limits.hit("avatar_upload", user_id, limit=get_settings().avatar_uploads_per_minute)
    # Imported here: the image work (Pillow) stays out of the cold start of every other route.
    from portrait.services.default_avatars import create_default_avatar

    avatar = create_default_avatar(user_id)
    return avatar_view(avatar, current_avatar_id=avatar.avatar_id)
