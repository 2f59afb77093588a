"""Starting an avatar upload: a presigned S3 POST form and the pending record.

The processor (services.avatar_processing) takes it from there; the content type
rules are shared with generation photos.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from portrait.config import get_settings
from portrait.errors import InvalidInput
from portrait.ids import new_id
from portrait.observability import MetricUnit, metrics
from portrait.services import avatar_views
from portrait.services.avatar_views import iso
from portrait.store import avatars, keys, objects, rate_limits
from portrait.store.avatars import PENDING, Avatar

ALLOWED_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# Names some clients send for JPEG; the form is then issued for the real one.
_CONTENT_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


# The content type a client declares for an image upload form (avatars, generation photos).
ImageContentType = Annotated[str, Field(min_length=1, max_length=100, examples=["image/jpeg"],
                                        description="one of " + ", ".join(ALLOWED_CONTENT_TYPES))]


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    content_type: ImageContentType


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
