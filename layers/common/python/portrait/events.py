"""The event catalogue: every domain event Portrait publishes, its name and its payload.

An event on the `portrait` bus has `detail-type` = the event's name and `detail` = its
payload, built here and nowhere else (`store.events.publish` takes these objects only);
a webhook delivery's body is the same payload. Every payload starts with the envelope:

    event_id        stable across redeliveries: the same change always has the same id,
                    so a consumer deduplicates on it (a webhook's `webhook-id`)
    type            the event's name (as `detail-type`)
    occurred_at     when the change was committed (the record's own time)
    schema_version  changes when a payload changes in a way a consumer must know of
                    (a field removed, renamed or retyped); adding a field does not

Every event is derived from its owning table's stream (services.domain_events), never
published by the request or worker that wrote: nothing is lost when a publish fails.

A resource in an event has the API's shape for it (one shape per resource): `avatar`
is the avatar as `GET /me/avatars/{id}` answers it, `generation` as `GET
/generations/{id}`, `media` as `GET /media/{id}`. Where the API would hand out an
expiring URL an event carries the CDN's lasting URL, or null without a CDN (keys
are given beside), since consumers keep what they receive: avatar variants and media
sizes get lasting URLs; a generation's input and output are private, so its URLs are
null and its `output_key` is named. docs/EVENTS.md lists every event with its JSON
Schema, generated from this module (`make events-doc`); a test fails when they differ.
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from portrait.services.avatars.views import AvatarView
from portrait.services.generations.views import GenerationView
from portrait.services.portfolio.views import MediaView

SCHEMA_VERSION = 2


class DomainEvent(BaseModel):
    """What every event has: the envelope (see the module's docstring)."""

    # defer_build: the schemas cost tens of ms at import; each is built when first used,
    # so a function that never reads or writes an event never pays for it.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    detail_type: ClassVar[str]  # the event's name
    event_id: str = Field(description="the same on every redelivery of this change")
    occurred_at: str = Field(description="when the change was committed")
    schema_version: Literal[2] = SCHEMA_VERSION

    @computed_field(description="the event's name (EventBridge's detail-type)")  # type: ignore[prop-decorator]
    @property
    def type(self) -> str:
        return self.detail_type

    def detail(self) -> dict[str, Any]:
        """The payload as it goes on the bus (JSON types only)."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- avatars
class AvatarEvent(DomainEvent):
    user_id: str
    avatar_id: str


class AvatarReady(AvatarEvent):
    """An avatar's variants are stored and it is the user's current avatar (a processed
    upload, a default, or a restore)."""

    detail_type: ClassVar[str] = "avatar.ready"
    source: Literal["upload", "identicon", "gravatar"]
    previous_avatar_id: str | None = Field(description="the avatar it replaced, if any")
    restored: bool = Field(description="true when a soft-deleted avatar came back")
    avatar: AvatarView = Field(description="variants: size -> {url, width, height}; url lasting or null")
    variant_keys: dict[str, str] = Field(description="size -> object key, smallest first")


class AvatarRejected(AvatarEvent):
    """An uploaded avatar failed validation; the user's current avatar is unchanged."""

    detail_type: ClassVar[str] = "avatar.rejected"
    reason: str = Field(description="machine-readable, e.g. dimensions_too_small")
    avatar: AvatarView


class AvatarDeleted(AvatarEvent):
    """An avatar was soft-deleted: by its owner, or because another became current
    (`replaced_by`). It can be restored until `avatar.restorable_until`."""

    detail_type: ClassVar[str] = "avatar.deleted"
    replaced_by: str | None
    avatar: AvatarView


class AvatarPurged(AvatarEvent):
    """A soft-deleted avatar's grace ended: its objects are gone for good."""

    detail_type: ClassVar[str] = "avatar.purged"


# ---------------------------------------------------------------- generations
class GenerationEvent(DomainEvent):
    user_id: str
    generation_id: str
    generation: GenerationView = Field(description="input_url and output_url null (private objects)")


class GenerationCompleted(GenerationEvent):
    """An AI portrait is rendered and stored."""

    detail_type: ClassVar[str] = "generation.completed"
    pose_id: str
    quality: Literal["sd", "hd"]
    output_key: str
    processing_ms: int


class GenerationFailed(GenerationEvent):
    """A generation ended without a portrait (failed, or expired unused); its credits
    were given back."""

    detail_type: ClassVar[str] = "generation.failed"
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
    media: MediaView = Field(description="sizes and thumbnail with lasting URLs or null; no download_url")
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
    media: MediaView
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


# ---------------------------------------------------------------- webhooks
class WebhookTest(DomainEvent):
    """Sent to one webhook endpoint when its owner asks (POST /me/webhooks/{id}/test), to
    try a receiver. Not a domain event: never on the bus, not in the catalogue, not
    subscribable; every endpoint may receive it."""

    detail_type: ClassVar[str] = "webhook.test"
    user_id: str
    endpoint_id: str


CATALOGUE: dict[str, type[DomainEvent]] = {event.detail_type: event for event in (
    AvatarReady, AvatarRejected, AvatarDeleted, AvatarPurged,
    GenerationCompleted, GenerationFailed,
    ProjectCreated, ProjectUpdated, ProjectDeleted,
    MediaReady, MediaRejected, MediaDeleted,
    ProfileUpdated,
)}


def parse_event(detail_type: str, detail: dict[str, Any]) -> DomainEvent:
    """An event as a consumer receives it, checked against the catalogue."""
    fields = {name: value for name, value in detail.items() if name != "type"}
    if detail.get("type", detail_type) != detail_type:
        raise ValueError(f"a {detail.get('type')!r} payload under detail-type {detail_type!r}")
    return CATALOGUE[detail_type].model_validate(fields)


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each event's JSON Schema, as docs/EVENTS.md lists them."""
    return {name: event.model_json_schema(mode="serialization")
            for name, event in CATALOGUE.items()}
