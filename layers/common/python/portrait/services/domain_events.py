"""Domain events from the tables' stream records (EventPublisherFunction).

Each stream record becomes the catalogue's events (portrait.events), each stamped with
an `event_id` made from the record's own id (a redelivered record gives the same ids,
so consumers deduplicate on them) and the time its change was committed.

    avatars      an avatar entering a status: → ready → avatar.ready (an upload, a default,
                   or from deleted a restore), → rejected → avatar.rejected,
                   → deleted → avatar.deleted, → purged (its tombstone) → avatar.purged
    generations  → completed → generation.completed   → failed | expired → generation.failed
    projects     INSERT → project.created   MODIFY → project.updated   REMOVE → project.deleted
    media        pending → ready → media.ready   pending → rejected → media.rejected
                 REMOVE → media.deleted
    users        a changed profile field (name, bio, ...) or avatar → profile.updated

Resources travel in the API's shapes (the views modules), with lasting URLs or none.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

from portrait import clock
from portrait.config import get_settings
from portrait.events import (AvatarDeleted, AvatarPurged, AvatarReady, AvatarRejected, DomainEvent,
                             GenerationCompleted, GenerationFailed, MediaDeleted, MediaReady,
                             MediaRejected, ProfileUpdated, ProjectCreated, ProjectDeleted,
                             ProjectUpdated)
from portrait.observability import logger
from portrait.services.avatars.views import avatar_view
from portrait.services.generations.views import generation_view
from portrait.services.portfolio.project_payload import project_detail
from portrait.services.portfolio.views import media_view
from portrait.store import avatars as avatar_store
from portrait.store import events, objects
from portrait.store import generations as generation_store
from portrait.store.portfolio import media as media_store
from portrait.store.portfolio import projects as project_store
from portrait.store.users import PROFILE_FIELDS

PROFILE_CHANGES = (*PROFILE_FIELDS, "username", "avatar_id")
_EVENT_IDS = uuid.UUID("5b0f4f5e-2f6b-4f4e-9a43-7a3f1c0d2e61")  # the namespace of event ids


@dataclass(frozen=True)
class Change:
    """One stream record: which change, and the images before and after it."""

    event_name: str  # INSERT | MODIFY | REMOVE
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    record_id: str  # the stream record's eventID: the same on every redelivery
    committed_at: float  # epoch seconds: the record's ApproximateCreationDateTime

    def stamp(self, event_type: type[DomainEvent]) -> dict[str, str]:
        """The envelope of `event_type` made of this change: one id per record and event."""
        event_id = uuid.uuid5(_EVENT_IDS, f"{self.record_id}/{event_type.detail_type}")
        image = self.new or self.old or {}
        occurred = image.get("updated_at") if self.new else None
        return {"event_id": f"evt_{event_id.hex}",
                "occurred_at": str(occurred) if occurred else clock.iso(self.committed_at)}


def avatar_events(change: Change) -> list[DomainEvent]:
    if not change.new or change.event_name == "REMOVE":
        return []  # a removal by TTL is purged by PurgeFunction, whose tombstone says so
    before = (change.old or {}).get("status")
    avatar = avatar_store.from_image(change.new)
    if before == avatar.status:
        return []
    ids = {"user_id": avatar.user_id, "avatar_id": avatar.avatar_id}
    if avatar.status == avatar_store.PURGED:
        return [AvatarPurged(**change.stamp(AvatarPurged), **ids)]
    current = avatar.avatar_id if avatar.status == avatar_store.READY else None
    view = avatar_view(avatar, current_avatar_id=current, url_of=objects.lasting_url)
    if avatar.status == avatar_store.READY:
        return [AvatarReady(
            **change.stamp(AvatarReady), **ids, source=avatar.source, avatar=view,
            previous_avatar_id=avatar.replaces, restored=before == avatar_store.DELETED,
            variant_keys={size: link["key"] for size, link in avatar.variants.items()})]
    if avatar.status == avatar_store.REJECTED:
        return [AvatarRejected(**change.stamp(AvatarRejected), **ids, avatar=view,
                               reason=avatar.reject_reason or "")]
    if avatar.status == avatar_store.DELETED:
        return [AvatarDeleted(**change.stamp(AvatarDeleted), **ids, avatar=view,
                              replaced_by=avatar.replaced_by)]
    return []  # pending, expired: news to nobody


def generation_events(change: Change) -> list[DomainEvent]:
    if not change.new or change.event_name == "REMOVE":
        return []  # a settled generation deleted by its owner: nothing happened to it
    generation = generation_store.from_image(change.new)
    before = (change.old or {}).get("status")
    if generation is None or before == generation.status:
        return []
    ids = {"user_id": generation.user_id, "generation_id": generation.generation_id,
           "generation": generation_view(generation, with_urls=False)}
    if generation.status == generation_store.COMPLETED and generation.output_key:
        return [GenerationCompleted(
            **change.stamp(GenerationCompleted), **ids, pose_id=generation.pose_id,
            quality=generation.quality, output_key=generation.output_key,
            processing_ms=generation.processing_ms or 0)]
    if generation.status in (generation_store.FAILED, generation_store.EXPIRED):
        return [GenerationFailed(
            **change.stamp(GenerationFailed), **ids, status=generation.status,
            reason=generation.error_reason or "", refunded=(
                generation.credits_charged if generation.refunded_at else 0))]
    return []


def project_events(change: Change) -> list[DomainEvent]:
    old, new = change.old, change.new
    if change.event_name == "REMOVE" and old:
        project = project_store.from_image(old)
        # One past the last version: a late update never outranks the deletion.
        return [ProjectDeleted(**change.stamp(ProjectDeleted), project_id=project.project_id,
                               user_id=project.user_id, version=project.version + 1,
                               updated_at=clock.iso(change.committed_at))]
    if not new or (old == new):
        return []
    kind = ProjectCreated if change.event_name == "INSERT" else ProjectUpdated
    return [kind(**change.stamp(kind), **project_detail(project_store.from_image(new)))]


def media_events(change: Change) -> list[DomainEvent]:
    old, new = change.old, change.new
    if change.event_name == "REMOVE" and old:
        media = media_store.from_image(old)
        return [MediaDeleted(**change.stamp(MediaDeleted), **_media_ids(media),
                             path=media.display.get("key"))]
    if not new or not old:
        return []
    before, after = old.get("status"), new.get("status")
    if before == after or before != media_store.PENDING:
        return []
    media = media_store.from_image(new)
    view = media_view(media, url_of=objects.lasting_url)
    if after == media_store.READY:
        display, thumbnail = media.display, media.thumbnail
        return [MediaReady(
            **change.stamp(MediaReady), **_media_ids(media), media=view, path=display["key"],
            file_url=objects.lasting_url(display["key"]), thumbnail_path=thumbnail["key"],
            thumbnail_url=objects.lasting_url(thumbnail["key"]),
            mime_type=display["content_type"], width=display["width"],
            height=display["height"], file_size=display["bytes"],
            original_filename=media.original_filename)]
    if after == media_store.REJECTED:
        return [MediaRejected(**change.stamp(MediaRejected), **_media_ids(media), media=view,
                              reason=media.reject_reason, message=media.reject_message)]
    return []


def _media_ids(media: media_store.Media) -> dict:
    # file_id and owner_id are the names the portfolio clients know; ours beside them.
    return {"media_id": media.media_id, "file_id": media.media_id, "user_id": media.user_id,
            "owner_id": media.user_id, "project_id": media.project_id}


def profile_events(change: Change) -> list[DomainEvent]:
    old, new = change.old, change.new
    if (change.event_name != "MODIFY" or not old or not new
            or not str(new.get("pk", "")).startswith("user#")):
        return []
    if all(old.get(name) == new.get(name) for name in PROFILE_CHANGES):
        return []  # a balance, a counter or a token moved: no one's profile changed
    return [ProfileUpdated(**change.stamp(ProfileUpdated), user_id=new["user_id"],
                           username=new["username"], name=new["name"],
                           updated_at=new.get("updated_at"))]


def _mappers() -> dict[str, Callable[[Change], list[DomainEvent]]]:
    settings = get_settings()
    return {settings.avatars_table: avatar_events, settings.generations_table: generation_events,
            settings.projects_table: project_events, settings.media_table: media_events,
            settings.users_table: profile_events}


def events_of(table: str, change: Change) -> list[DomainEvent]:
    """The events one stream record of `table` means (none for a table without events)."""
    mapper = _mappers().get(table)
    if mapper is None:
        logger.warning("a stream record of a table without events; skipped", extra={"table": table})
        return []
    return mapper(change)


def publish_changes(table: str, change: Change) -> int:
    """Publish the events one stream record of `table` means; returns how many.
    Raises if the bus refused one, so the stream retries the record."""
    domain_events = events_of(table, change)
    for event in domain_events:
        events.publish(event)
    return len(domain_events)
