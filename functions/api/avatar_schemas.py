"""Reply shapes of the avatar routes (built from portrait.services' views)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from upload_schemas import UploadForm

AvatarStatus = Literal["pending", "ready", "rejected", "deleted", "expired"]
AvatarSource = Literal["upload", "identicon", "gravatar"]


class _FromViews(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VariantInfo(_FromViews):
    """One size of an avatar: WebP, square, never upscaled (`full` is at most 1024 px: a
    900-px photo's `full` is 900 x 900)."""

    url: str
    width: int | None = Field(None, examples=[256])
    height: int | None = Field(None, examples=[256])


class CurrentAvatar(_FromViews):
    """A ready avatar: the URL at the size asked for, and every size (as AvatarDetail has them)."""

    avatar_id: str
    status: Literal["ready"] = "ready"
    size: str = Field(examples=["medium"], description="the size of `url` (the next larger one "
                                                       "when the asked size does not exist)")
    url: str
    variants: dict[str, VariantInfo] = Field(
        description="size -> image, smallest first (the same as in GET /me/avatars/{avatar_id})")


class UploadStarted(UploadForm):
    upload_id: str
    avatar_id: str = Field(description="poll GET /me/avatars/{avatar_id} after uploading")


class AvatarDetail(_FromViews):
    """One avatar of yours: while processing, in the history, after a delete or restore."""

    avatar_id: str
    status: AvatarStatus
    source: AvatarSource
    current: bool = Field(description="whether this is your current avatar")
    created_at: str
    updated_at: str
    ready_at: str | None = None
    deleted_at: str | None = None
    replaced_by: str | None = Field(None, description="deleted: the avatar that became current "
                                                     "in its place (an upload, a restore, a new "
                                                     "default); null when you deleted it")
    restorable_until: str | None = Field(
        None, description="deleted avatars: POST /me/avatars/{avatar_id}/restore works until then")
    reject_reason: str | None = Field(None, examples=["dimensions_too_small"], description=(
        "rejected avatars, machine-readable: unsupported_type, too_large, dimensions_too_small, "
        "dimensions_too_large, corrupt or decompression_bomb"))
    reject_message: str | None = Field(None, description="rejected avatars: why, for people")
    framing: Literal["face", "centre"] | None = Field(
        None, description="where the square was cut: around the one face found in the photo, "
                          "or the centre (no face, or several); null until ready")
    variants: dict[str, VariantInfo] = Field(
        default_factory=dict, description="size -> image (ready and deleted avatars), smallest first")


class AvatarRemoved(_FromViews):
    """A rejected or expired avatar, deleted: it had no images and nothing to restore,
    so its record is gone (it leaves the history and reads answer 404)."""

    avatar_id: str
    status: Literal["removed"]


# What DELETE /me/avatars/{avatar_id} answers, told apart by `status`.
DeletedAvatar = Annotated[AvatarDetail | AvatarRemoved, Field(discriminator="status")]


class AvatarHistory(_FromViews):
    items: list[AvatarDetail]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null at the end")
