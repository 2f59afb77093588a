"""The event catalogue: every domain event Portrait publishes, its name and its payload.

An event on the `portrait` bus has `detail-type` = the event's name and `detail` = its
payload, built here and nowhere else (`store.events.publish_event` takes these
objects only). `schema_version` changes when a payload changes in a way a consumer
must know of (a field removed, renamed or retyped); adding a field does not change it.
docs/EVENTS.md lists every event with its JSON Schema, generated from this module
(`make events-doc`); a test fails when the two differ.

Times are the one format of portrait.clock. Keys are object keys, not URLs, except
where the portfolio clients expect a URL (`file_url`, `thumbnail_url`): those are the
CDN's, which never expire, or null where there is no CDN (never a presigned URL).
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class DomainEvent(BaseModel):
    """What every event has: its name (`detail_type`) and its payload's schema version."""

    # defer_build: twelve schemas cost ~70 ms at import; each is built when first used, so
    # a function that never publishes an event (the API, mostly) never pays for it.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    detail_type: ClassVar[str]  # the event's name
    schema_version: Literal[1] = SCHEMA_VERSION

    def detail(self) -> dict[str, Any]:
        """The payload as it goes on the bus (JSON types only)."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- avatars
class AvatarReady(DomainEvent):
    """An avatar's variants are stored and it is the user's current avatar."""

    detail_type: ClassVar[str] = "avatar.ready"
    user_id: str
    avatar_id: str
    source: Literal["upload", "identicon", "gravatar"]
    previous_avatar_id: str | None = Field(description="the avatar it replaced, if any")
    variants: dict[str, str] = Field(description="size -> object key, smallest first")


class AvatarRejected(DomainEvent):
    """An uploaded avatar failed validation; the user's current avatar is unchanged."""

    detail_type: ClassVar[str] = "avatar.rejected"
    user_id: str
    avatar_id: str
    reason: str = Field(description="machine-readable, e.g. dimensions_too_small")


class AvatarPurged(DomainEvent):
    """A soft-deleted avatar's grace ended: its objects are gone for good."""

    detail_type: ClassVar[str] = "avatar.purged"
    user_id: str
    avatar_id: str


# ---------------------------------------------------------------- generations
class GenerationCompleted(DomainEvent):
    """An AI portrait is rendered and stored."""

    detail_type: ClassVar[str] = "generation.completed"
    user_id: str
    generation_id: str
    pose_id: str
    quality: Literal["sd", "hd"]
    output_key: str
    processing_ms: int


class GenerationFailed(DomainEvent):
    """A generation ended without a portrait (failed, or expired unused); its credits
    were given back."""

    detail_type: ClassVar[str] = "generation.failed"
    user_id: str
    generation_id: str
    status: Literal["failed", "expired"]
    reason: str
    refunded: int = Field(description="credits given back")


# ---------------------------------------------------------------- portfolio
class ProjectChanged(DomainEvent):
    """A project as it now is; `version` orders the changes of one project."""

    project_id: str
    user_id: str
    username: str
    title: str
    description: str | None
    tags: list[str]
    link: str | None
    thumbnail_url: str | None
    thumbnail_key: str | None
    thumbnail_media_id: str | None
    created_at: str
    updated_at: str
    version: int


class ProjectCreated(ProjectChanged):
    """A project was created."""

    detail_type: ClassVar[str] = "project.created"


class ProjectUpdated(ProjectChanged):
    """A project changed (its fields or its cover)."""

    detail_type: ClassVar[str] = "project.updated"


class ProjectDeleted(DomainEvent):
    """A project is gone; `version` is one past its last, so no late update outranks it."""

    detail_type: ClassVar[str] = "project.deleted"
    project_id: str
    user_id: str
    version: int
    updated_at: str


class MediaEvent(DomainEvent):
    """The ids of a portfolio image (`file_id` and `owner_id` are the names the portfolio
    clients know; `media_id` and `user_id` are Portrait's)."""

    media_id: str
    file_id: str
    user_id: str
    owner_id: str
    project_id: str | None


class MediaReady(MediaEvent):
    """A portfolio image is processed: display image and thumbnail stored."""

    detail_type: ClassVar[str] = "media.ready"
    path: str = Field(description="the display image's object key")
    file_url: str | None = Field(description="the CDN's lasting URL; null without a CDN")
    thumbnail_path: str
    thumbnail_url: str | None = Field(description="the CDN's lasting URL; null without a CDN")
    mime_type: str
    width: int
    height: int
    file_size: int
    original_filename: str | None


class MediaRejected(MediaEvent):
    """An uploaded portfolio image failed validation."""

    detail_type: ClassVar[str] = "media.rejected"
    reason: str | None
    message: str | None


class MediaDeleted(MediaEvent):
    """A portfolio image and its objects were removed."""

    detail_type: ClassVar[str] = "media.deleted"
    path: str | None


# ---------------------------------------------------------------- accounts
class ProfileUpdated(DomainEvent):
    """A user's public profile (a profile field, the handle or the avatar) changed."""

    detail_type: ClassVar[str] = "profile.updated"
    user_id: str
    username: str
    name: str = Field(description="the display name")
    updated_at: str | None


CATALOGUE: dict[str, type[DomainEvent]] = {event.detail_type: event for event in (
    AvatarReady, AvatarRejected, AvatarPurged,
    GenerationCompleted, GenerationFailed,
    ProjectCreated, ProjectUpdated, ProjectDeleted,
    MediaReady, MediaRejected, MediaDeleted,
    ProfileUpdated,
)}


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent:
    """An event as a consumer receives it, checked against the catalogue."""
    return CATALOGUE[detail_type].model_validate(detail)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each event's JSON Schema, as docs/EVENTS.md lists them."""
    return {name: event.model_json_schema(mode="serialization")
            for name, event in CATALOGUE.items()}
