"""Reply shapes of the portfolio routes (built from portrait.services.portfolio's views)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from upload_schemas import UploadForm


class _FromViews(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProjectReply(_FromViews):
    """A project, with its owner as projects show them."""

    project_id: str
    id: str = Field(description="the same as project_id (the name portfolio clients use)")
    user_id: str
    username: str
    name: str = Field(description="the owner's display name")
    avatar_url: str | None = Field(description="the owner's current avatar (medium), if any")
    title: str
    description: str | None
    tags: list[str]
    link: str | None
    thumbnail_url: str | None = Field(description="the cover: one image's 300 x 300 thumbnail")
    thumbnail_media_id: str | None
    created_at: str
    updated_at: str


class ProjectPage(_FromViews):
    items: list[ProjectReply]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class ProjectDeleted(BaseModel):
    project_id: str
    status: Literal["deleted"] = "deleted"


class MediaReply(_FromViews):
    """A portfolio image: pending until processed, then ready (URLs) or rejected (why)."""

    media_id: str
    user_id: str
    project_id: str | None
    status: Literal["pending", "ready", "rejected", "expired"]
    original_filename: str | None = Field(description="the name the file was uploaded with "
                                                      "(display text only)")
    mime_type: str | None
    width: int | None = Field(description="of the display image")
    height: int | None
    bytes: int | None
    file_url: str | None = Field(description="the display image (WebP, longer side at most "
                                             "2048 px); ready images only")
    thumbnail_url: str | None = Field(description="300 x 300 JPEG; ready images only")
    created_at: str
    updated_at: str
    ready_at: str | None
    reject_reason: str | None = Field(description="rejected images, machine-readable (as avatars)")
    reject_message: str | None


class MediaPage(_FromViews):
    items: list[MediaReply]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class MediaUploadStarted(UploadForm):
    upload_id: str
    media_id: str = Field(description="poll GET /media/{media_id} after uploading")


class MediaDeleted(_FromViews):
    media_id: str
    status: Literal["deleted"] = "deleted"
