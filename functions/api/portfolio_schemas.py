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


class MediaSize(_FromViews):
    """One display copy (WebP, no metadata)."""

    width: int
    height: int
    url: str


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
    file_url: str | None = Field(description="the largest display copy (WebP, longer side at "
                                             "most 2048 px); ready images only")
    thumbnail_url: str | None = Field(description="300 x 300 JPEG; ready images only")
    sizes: list[MediaSize] = Field(description=(
        "the display copies, smallest first: longer sides of 640, 1280 and 2048 px, never "
        "upscaled (a smaller picture has fewer, the last at its own size); ready images only"))
    srcset: str | None = Field(description="the sizes as an <img srcset> value "
                                           "(\"url 640w, ...\"); ready images only",
                               examples=["https://cdn.example/media/u/m/display-640.webp 640w"])
    download_url: str | None = Field(description=(
        "the owner's route to the original as uploaded (GET it with your token: a 302 to "
        "a short-lived download); ready images, in GET /media/{media_id} and GET /me/media "
        "only (the owner's reads; never in public lists)"),
        examples=["/media/01ARZ3NDEKTSV4RRFFQ69G5FAV/original"])
    created_at: str
    updated_at: str
    ready_at: str | None
    reject_reason: str | None = Field(description="rejected images, machine-readable (as avatars)")
    reject_message: str | None


class OriginalLink(_FromViews):
    """Where to download an original: a presigned URL whose reply saves the file."""

    url: str = Field(description="presigned GET, answered with Content-Disposition: attachment")
    expires_at: str = Field(description="the URL works until then (minutes)")
    filename: str = Field(description="the name it is saved under")
    content_type: str = Field(description="its real type, from its bytes")
    bytes: int | None


class MediaPage(_FromViews):
    items: list[MediaReply]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class MediaUploadStarted(UploadForm):
    upload_id: str
    media_id: str = Field(description="poll GET /media/{media_id} after uploading")


class MediaDeleted(_FromViews):
    media_id: str
    status: Literal["deleted"] = "deleted"
