"""Media records: pending (form issued) → ready | rejected (ThumbnailFunction), or
expired (the upload never came). Deleting an image removes its record outright.

Every move off pending is conditioned on the record still being pending, so
a repeated or late S3 event changes nothing, and the sparse pending_uploads
index loses the record in the same write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from portrait.errors import Conflict
from portrait.store.models import bound, condition_failed, plain
from portrait.store.portfolio.models import MediaItem

PENDING, READY, REJECTED, EXPIRED = "pending", "ready", "rejected", "expired"
PENDING_UPLOAD = "pending-upload"  # the pending_uploads index's only partition


@dataclass(frozen=True)
class Media:
    media_id: str
    user_id: str
    status: str
    content_type: str
    upload_key: str
    upload_expires_at: int
    created_at: str
    updated_at: str
    project_id: str | None = None
    original_filename: str | None = None
    display: dict[str, Any] = field(default_factory=dict)  # the largest display copy
    thumbnail: dict[str, Any] = field(default_factory=dict)
    original: dict[str, Any] = field(default_factory=dict)
    # The display copies by their longer side ("640", "1280", "2048"); the largest is
    # `display` too. Empty for images made before the size ladder (display alone).
    sizes: dict[str, dict[str, Any]] = field(default_factory=dict)
    reject_reason: str | None = None
    reject_message: str | None = None
    ready_at: str | None = None

    @property
    def keys(self) -> list[str]:
        """The objects this image owns under media/ (none until it is ready): the display
        copies, the thumbnail and the kept original."""
        parts = (self.display, self.thumbnail, self.original, *self.sizes.values())
        return list(dict.fromkeys(part["key"] for part in parts if part.get("key")))

    @property
    def display_sizes(self) -> list[dict[str, Any]]:
        """The display copies, smallest first (the one display copy of an older image)."""
        copies = list(self.sizes.values()) or ([self.display] if self.display.get("key") else [])
        return sorted(copies, key=lambda part: (part["width"], part["height"]))


def from_item(item: MediaItem) -> Media:
    values = {name: getattr(item, name) for name in Media.__dataclass_fields__}
    for name in ("display", "thumbnail", "original", "sizes"):
        values[name] = plain(values[name]) or {}
    values["upload_expires_at"] = int(values["upload_expires_at"])
    return Media(**values)


def from_image(image: dict[str, Any]) -> Media:
    """An image record from a stream image, as Powertools deserialises it (Decimals)."""
    values = {name: plain(image.get(name)) for name in Media.__dataclass_fields__}
    for name in ("display", "thumbnail", "original", "sizes"):
        values[name] = values[name] or {}
    values["upload_expires_at"] = int(values["upload_expires_at"] or 0)
    return Media(**values)


def create_media(media: Media) -> None:
    model = bound(MediaItem)
    values = {k: v for k, v in media.__dict__.items() if v not in (None, {})}
    values["pending_upload"] = PENDING_UPLOAD
    try:
        model(**values).save(condition=model.media_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("this image exists already", code="media_exists") from None
        raise


def get_media(media_id: str) -> Media | None:
    try:
        return from_item(bound(MediaItem).get(media_id, consistent_read=True))
    except MediaItem.DoesNotExist:
        return None


def _page(result) -> tuple[list[Media], str | None]:
    items = [from_item(item) for item in result]
    last = result.last_evaluated_key
    return items, (last["media_id"]["S"] if last else None)


def list_user_media(user_id: str, *, limit: int, after: str | None
                    ) -> tuple[list[Media], str | None]:
    """Newest first; the index is eventually consistent."""
    start = {"user_id": {"S": user_id}, "media_id": {"S": after}} if after else None
    return _page(bound(MediaItem).by_user.query(
        user_id, scan_index_forward=False, limit=limit, last_evaluated_key=start))


def list_project_media(project_id: str, *, limit: int, after: str | None,
                       status: str | None = None) -> tuple[list[Media], str | None]:
    """Newest first, optionally only one status (the filter applies within each page)."""
    model = bound(MediaItem)
    start = {"project_id": {"S": project_id}, "media_id": {"S": after}} if after else None
    return _page(model.by_project.query(
        project_id, scan_index_forward=False, limit=limit, last_evaluated_key=start,
        filter_condition=(model.status == status) if status else None))


def iter_project_media(project_id: str) -> Iterator[Media]:
    """Every image of a project, whatever its status (the cleanup after a delete)."""
    for item in bound(MediaItem).by_project.query(project_id):
        yield from_item(item)


def iter_stale_pending(*, expired_before: int) -> Iterator[str]:
    """Ids of pending images whose upload form expired before `expired_before`."""
    model = bound(MediaItem)
    for item in model.pending_uploads.query(PENDING_UPLOAD,
                                            model.upload_expires_at < expired_before):
        yield item.media_id


def settle(media_id: str, *, status: str, now_iso: str, changes: dict[str, Any]) -> bool:
    """pending → `status` with `changes`; False if it was not pending (or is gone)."""
    model = bound(MediaItem)
    actions = [model.status.set(status), model.updated_at.set(now_iso),
               model.pending_upload.remove()]
    actions += [getattr(model, name).set(value) for name, value in changes.items()]
    try:
        model(media_id).update(actions=actions, condition=model.status == PENDING)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def delete_record(media_id: str, *, expected_status: str | None = None) -> bool | None:
    """Remove the record: True; False if it was already gone. With `expected_status`, only
    while the record still has it: None if it has changed meanwhile (read it again: a
    pending image that became ready has objects now)."""
    model = bound(MediaItem)
    condition = (model.media_id.exists() if expected_status is None
                 else model.status == expected_status)
    try:
        model(media_id).delete(condition=condition)
    except DeleteError as exc:
        if condition_failed(exc):
            return None if expected_status and get_media(media_id) is not None else False
        raise
    return True


def media_statuses(media_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """media_id -> (user_id, status) of the images that have a record (BatchGetItem,
    strongly consistent: a record written a moment ago must not look missing)."""
    wanted = sorted(set(media_ids))
    if not wanted:
        return {}
    model = bound(MediaItem)
    return {item.media_id: (item.user_id, item.status)
            for item in model.batch_get(wanted, consistent_read=True,
                                        attributes_to_get=["media_id", "user_id", "status"])}
