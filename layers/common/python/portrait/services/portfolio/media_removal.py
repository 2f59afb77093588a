"""Removing portfolio images: one image (DELETE /media/{id}) or every image of a deleted
project (ProjectCleanupFunction), apart from the API's reading side (media.py), so the
cleanup function loads no views, cursors or project rules.

Removal deletes the record first, then the objects: a crash in between leaves
objects without a record, which the nightly orphan pass finds (it looks media
objects up in the media table). The other order could leave a record whose
images are gone, which no sweep would notice.
"""
from __future__ import annotations

from portrait import clock
from portrait.observability import logger
from portrait.store import objects
from portrait.store.portfolio import media as store
from portrait.store.portfolio import projects
from portrait.store.portfolio.media import Media


def remove_media(media: Media, *, project_deleted: bool = False) -> bool:
    """Record, then objects (the original, every display copy, the thumbnail: Media.keys),
    then the project's cover if it was this image (not when the project itself is gone);
    False if the record was gone already (its objects are deleted anyway: a repeat
    finishes what a crash left). The record goes only as it was read, so an image made
    ready while this ran never loses its record with its objects left behind."""
    removed = None
    for _ in range(3):  # a status changes at most twice: pending, then ready or rejected
        removed = store.delete_record(media.media_id, expected_status=media.status)
        if removed is not None:
            break
        # Processed meanwhile: the objects to delete are those of the record as it is now.
        media = store.get_media(media.media_id) or media
    objects.delete_objects(media.keys)
    if media.project_id and not project_deleted:
        projects.clear_cover(media.project_id, media_id=media.media_id, now_iso=clock.now_iso())
    return bool(removed)


def remove_project_media(project_id: str) -> int:
    """Every image of a deleted project (project.deleted, at least once): a repeat finds
    nothing left and removes nothing. Returns how many records this call removed."""
    removed = sum(remove_media(media, project_deleted=True)
                  for media in store.iter_project_media(project_id))
    logger.info("a deleted project's images removed",
                extra={"project_id": project_id, "removed": removed})
    return bool(removed)
