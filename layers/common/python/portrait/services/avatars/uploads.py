"""Starting an avatar upload: a presigned S3 POST form and the pending record.

The processor (services/avatars/processing.py) takes it from there; the form and the
content types are every direct upload's (services/uploads.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from portrait import clock
from portrait.config import get_settings
from portrait.ids import new_id
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.services.upload_requests import ImageContentType
from portrait.services.uploads import UploadForm, allowed_content_type, issue_form
from portrait.store import avatars, rate_limits
from portrait.store.avatars import PENDING, Avatar


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    content_type: ImageContentType


@dataclass(frozen=True)
class AvatarUploadForm(UploadForm):
    upload_id: str
    avatar_id: str


def start_avatar_upload(user_id: str, request: UploadRequest) -> AvatarUploadForm:
    """A presigned POST form for a new avatar's source, and its pending record.

    S3 enforces the form's key, size range and content type; the record exists
    before the form is handed out, so the processor always finds it.
    """
    settings = get_settings()
    content_type = allowed_content_type(request.content_type, "avatars")  # costs no quota
    rate_limits.hit("avatar_upload", user_id, limit=settings.avatar_uploads_per_minute)
    upload_id, avatar_id = new_id(), new_id()
    issued = issue_form("avatars", user_id, upload_id, content_type=content_type,
                        max_bytes=settings.avatar_max_bytes)
    avatars.create_avatar(Avatar(
        user_id=user_id, avatar_id=avatar_id, status=PENDING, source="upload",
        created_at=clock.iso(issued.issued_at), updated_at=clock.iso(issued.issued_at),
        upload_id=upload_id, upload_key=issued.key, content_type=content_type,
        upload_expires_at=issued.expires_at))
    emit(M.AVATAR_UPLOAD_STARTED)
    return AvatarUploadForm(**vars(issued.form), upload_id=upload_id, avatar_id=avatar_id)
