"""Starting a portfolio upload: a presigned POST form for tmp/media/ and the pending record.

The avatar path's twin (services/avatars/uploads.py): the same content types and
form rules, with the portfolio's own size cap and rate limit. The image id is
also the upload id in the key, so ThumbnailFunction finds the record with one
strongly consistent read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portrait import clock
from portrait.config import get_settings
from portrait.ids import new_id
from portrait import metric_catalogue as M
from portrait.observability import emit
from portrait.services.upload_requests import ImageContentType
from portrait.services.uploads import UploadForm, allowed_content_type, issue_form
from portrait.services.portfolio.projects import owned_project
from portrait.store import rate_limits
from portrait.store.portfolio import media as store
from portrait.store.portfolio.media import PENDING, Media
from portrait.text import SingleLine

_PATH_PARTS = re.compile(r"^.*[\\/]")  # browsers on Windows once sent C:\fakepath\name.jpg


def _display_name(filename: str | None) -> str | None:
    """The client's file name as display text only: its last path part, never a key."""
    if filename is None:
        return None
    return _PATH_PARTS.sub("", filename).strip() or None


class MediaUploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    content_type: ImageContentType
    project_id: Annotated[str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$",
                                     description="one of your projects")] | None = None
    filename: Annotated[str, StringConstraints(max_length=255), SingleLine,
                        Field(description="shown beside the image; never part of a key",
                              examples=["beach.jpg"])] | None = None


@dataclass(frozen=True)
class MediaUploadForm(UploadForm):
    upload_id: str
    media_id: str


def start_media_upload(user_id: str, request: MediaUploadRequest) -> MediaUploadForm:
    """A form S3 enforces (this key, 1 byte..MEDIA_MAX_BYTES, this type) and the pending
    record it leads to; the project, if any, must be the caller's own."""
    settings = get_settings()
    content_type = allowed_content_type(request.content_type, "images")
    if request.project_id:
        owned_project(user_id, request.project_id)
    rate_limits.hit("media_upload", user_id, limit=settings.media_uploads_per_minute)
    media_id = new_id()
    issued = issue_form("media", user_id, media_id, content_type=content_type,
                        max_bytes=settings.media_max_bytes)
    store.create_media(Media(
        media_id=media_id, user_id=user_id, project_id=request.project_id, status=PENDING,
        content_type=content_type, upload_key=issued.key, upload_expires_at=issued.expires_at,
        original_filename=_display_name(request.filename),
        created_at=clock.iso(issued.issued_at), updated_at=clock.iso(issued.issued_at)))
    emit(M.MEDIA_UPLOAD_STARTED)
    return MediaUploadForm(**vars(issued.form), upload_id=media_id, media_id=media_id)
