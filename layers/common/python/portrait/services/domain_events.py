"""Domain events from the tables' stream records (EventPublisherFunction).

Each stream record becomes the catalogue's events (portrait.events): the portfolio
clients' payload fields, with what our consumers also need: ids, keys instead of
expiring URLs, and each project's `version` and `updated_at`, by which consumers keep
the newest state when events arrive twice or out of order.

    projects  INSERT → project.created   MODIFY → project.updated   REMOVE → project.deleted
    media     pending → ready → media.ready   pending → rejected → media.rejected
              REMOVE → media.deleted
    users     a changed profile field (name, bio, ...) or avatar → profile.updated
"""
from __future__ import annotations

from portrait import clock
from portrait.config import get_settings
from portrait.events import (DomainEvent, MediaDeleted, MediaReady, MediaRejected, ProfileUpdated,
                             ProjectCreated, ProjectDeleted, ProjectUpdated)
from portrait.observability import logger
from portrait.store import events, objects
from portrait.store.portfolio import media as media_store
from portrait.store.portfolio import projects as project_store
from portrait.store.users import PROFILE_FIELDS

PROFILE_CHANGES = (*PROFILE_FIELDS, "username", "avatar_id")


def project_events(event_name: str, old: dict | None, new: dict | None) -> list[DomainEvent]:
    if event_name == "REMOVE" and old:
        project = project_store.from_image(old)
        # One past the last version: a late update never outranks the deletion.
        return [ProjectDeleted(project_id=project.project_id, user_id=project.user_id,
                               version=project.version + 1, updated_at=clock.now_iso())]
    if not new or (old == new):
        return []
    kind = ProjectCreated if event_name == "INSERT" else ProjectUpdated
    return [kind(**project_detail(project_store.from_image(new)))]


def project_detail(project: project_store.Project) -> dict:
    """The portfolio clients' project payload (project_id, user_id, username, title,
    description, tags, thumbnail_url) and the rest of the record."""
    key = project.thumbnail_key
    return {"project_id": project.project_id, "user_id": project.user_id,
            "username": project.username, "title": project.title,
            "description": project.description, "tags": list(project.tags),
            "link": project.link, "thumbnail_url": objects.lasting_url(key) if key else None,
            "thumbnail_key": key, "thumbnail_media_id": project.thumbnail_media_id,
            "created_at": project.created_at, "updated_at": project.updated_at,
            "version": project.version}


def media_events(event_name: str, old: dict | None, new: dict | None) -> list[DomainEvent]:
    if event_name == "REMOVE" and old:
        media = media_store.from_image(old)
        return [MediaDeleted(**_media_ids(media), path=media.display.get("key"))]
    if not new or not old:
        return []
    before, after = old.get("status"), new.get("status")
    if before == after or before != media_store.PENDING:
        return []
    media = media_store.from_image(new)
    if after == media_store.READY:
        display, thumbnail = media.display, media.thumbnail
        return [MediaReady(
            **_media_ids(media), path=display["key"],
            file_url=objects.lasting_url(display["key"]), thumbnail_path=thumbnail["key"],
            thumbnail_url=objects.lasting_url(thumbnail["key"]),
            mime_type=display["content_type"], width=display["width"],
            height=display["height"], file_size=display["bytes"],
            original_filename=media.original_filename)]
    if after == media_store.REJECTED:
        return [MediaRejected(**_media_ids(media), reason=media.reject_reason,
                              message=media.reject_message)]
    return []


def _media_ids(media: media_store.Media) -> dict:
    # file_id and owner_id are the names the portfolio clients know; ours beside them.
    return {"media_id": media.media_id, "file_id": media.media_id, "user_id": media.user_id,
            "owner_id": media.user_id, "project_id": media.project_id}


def profile_events(event_name: str, old: dict | None, new: dict | None) -> list[DomainEvent]:
    if event_name != "MODIFY" or not old or not new or not str(new.get("pk", "")).startswith("user#"):
        return []
    if all(old.get(name) == new.get(name) for name in PROFILE_CHANGES):
        return []  # a balance, a counter or a token moved: no one's profile changed
    return [ProfileUpdated(user_id=new["user_id"], username=new["username"], name=new["name"],
                           updated_at=new.get("updated_at"))]


def publish_changes(table: str, event_name: str, old: dict | None, new: dict | None) -> int:
    """Publish the events one stream record of `table` means; returns how many.
    Raises if the bus refused one, so the stream retries the record."""
    settings = get_settings()
    mapper = {settings.projects_table: project_events, settings.media_table: media_events,
              settings.users_table: profile_events}.get(table)
    if mapper is None:
        logger.warning("a stream record of a table without events; skipped", extra={"table": table})
        return 0
    domain_events = mapper(event_name, old, new)
    for event in domain_events:
        events.publish(event)
    return len(domain_events)
