"""ThumbnailFunction's work: an uploaded portfolio image becomes ready or rejected.

As avatar processing (services.avatar_processing), idempotent twice over:
Powertools remembers each finished upload (bucket + key + etag), and the move
off pending is conditioned on the record still being pending. The objects are
written before the record says ready, so a reader never sees a ready image
without them; a crash in between leaves objects that a retry rewrites (same
keys) or, should the record be deleted, the orphan sweep removes.

An accepted upload is kept: copied inside the bucket, byte for byte (the very
version that was validated, by its etag), to media/{user}/{media}/original.{ext}
in MEDIA_ORIGINAL_STORAGE_CLASS, before its tmp/ key is deleted. A rejected
upload is not an image we hold for anyone, and is deleted like any other.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.errors import ImageRejected
from portrait.imaging import sniff
from portrait.imaging.media import MediaImages, make_media_images, media_limits
from portrait.imaging.validate import check_size
from portrait import metric_catalogue as M
from portrait.observability import count_by, emit, logger
from portrait.s3_events import UploadedObject

from portrait.services.uploads import issued_upload, read_upload
from portrait.store import keys, objects
from portrait.store.idempotency import once_per_upload
from portrait.store.portfolio import media as store
from portrait.store.portfolio import projects
from portrait.store.keys import CONTENT_TYPES
from portrait.store.portfolio.media import PENDING, READY, REJECTED, Media

__all__ = ["MediaOutcome", "process_media_upload"]


@dataclass(frozen=True)
class MediaOutcome:
    outcome: str  # ready | rejected | unchanged (already settled) | dropped
    media_id: str | None = None
    reason: str | None = None


@once_per_upload(key_prefix="media-upload", output=MediaOutcome)
def process_media_upload(*, upload: UploadedObject) -> MediaOutcome:
    tmp = issued_upload(upload, "media")
    if tmp is None:
        return MediaOutcome("dropped", reason="unknown_key")
    media = store.get_media(tmp.upload_id)
    if media is None or media.user_id != tmp.user_id:
        # Deleted meanwhile, or a key naming another user: nothing may come of it.
        objects.delete_objects([upload.key])
        return MediaOutcome("dropped", tmp.upload_id,
                            reason="media_missing" if media is None else "owner_mismatch")
    if media.status != PENDING:
        return _already_settled(media, upload)
    return _process(media, upload)


def _process(media: Media, upload: UploadedObject) -> MediaOutcome:
    settings = get_settings()
    started = time.perf_counter()
    limits = media_limits(settings.media_max_bytes)
    stored = read_upload(upload, settings.media_max_bytes)
    if stored is None:
        return MediaOutcome("dropped", media.media_id, reason="object_missing")
    original = {"bytes": stored.size, "etag": stored.etag}
    try:
        check_size(stored.size, limits)  # judged by HEAD: the body was never read
        images = make_media_images(stored.body, limits=limits,
                                   workers=settings.image_workers or None)
    except ImageRejected as rejection:
        return _reject(media, upload, rejection, {**original, "format": sniff(stored.body)})

    if media.project_id and projects.get_project(media.project_id) is None:
        # The project was deleted while this was in the queue: its cleanup has run or
        # will find nothing, so this image goes too rather than outlive its project.
        store.delete_record(media.media_id)
        objects.delete_objects([upload.key])
        return MediaOutcome("dropped", media.media_id, reason="project_deleted")
    try:
        kept = _keep_original(media, upload, images.source.format, stored.etag)
    except objects.ObjectChanged:
        # Another upload replaced this one under the same form since it was read: its own
        # event follows and makes the image from it. Nothing was written.
        return MediaOutcome("dropped", media.media_id, reason="upload_replaced")
    except objects.ObjectMissing:  # swept or deleted since it was read
        return MediaOutcome("dropped", media.media_id, reason="object_missing")
    parts = _store_images(media, images)
    ready = store.settle(media.media_id, status=READY, now_iso=clock.iso(clock.now()), changes={
        **parts, "ready_at": clock.iso(clock.now()),
        "original": {"format": images.source.format, "width": images.source.width,
                     "height": images.source.height, "frames": images.source.frames,
                     **original, **kept}})
    objects.delete_objects([upload.key])
    if not ready:
        _unless_owned(media, _written_keys(parts, kept))
        return MediaOutcome("unchanged", media.media_id)
    _cover_if_none(media, parts["thumbnail"]["key"])
    emit(M.MEDIA_PROCESSED)
    emit(M.MEDIA_PROCESSING_TIME, (time.perf_counter() - started) * 1000)
    logger.info("portfolio image ready", extra={"media_id": media.media_id})
    return MediaOutcome("ready", media.media_id)


def _keep_original(media: Media, upload: UploadedObject, fmt: str, etag: str) -> dict:
    """Copy the upload to its lasting key; the record's facts of the copy. The key's
    extension and the Content-Type come from the sniffed format, never from the client."""
    key = keys.media_original_key(media.user_id, media.media_id, fmt)
    storage_class = get_settings().media_original_storage_class
    objects.keep_copy(upload.key, key, etag=etag, content_type=CONTENT_TYPES[fmt],
                      storage_class=storage_class)
    return {"key": key, "content_type": CONTENT_TYPES[fmt], "storage_class": storage_class}


def _store_images(media: Media, images: MediaImages) -> dict[str, dict]:
    """Write the display copies and the thumbnail; the record's map of each: `sizes` by
    longer side, `display` (the largest copy, as older clients and the events read it)
    and `thumbnail`."""
    written = [(keys.media_display_key(media.user_id, media.media_id,
                                       max(image.width, image.height)), image)
               for image in images.sizes]
    thumbnail = (keys.media_thumbnail_key(media.user_id, media.media_id), images.thumbnail)
    objects.put_objects([(key, image.body, image.content_type)
                         for key, image in (*written, thumbnail)],
                        cache_control=keys.MEDIA_CACHE_CONTROL)

    def part(key: str, image) -> dict:
        return {"key": key, "width": image.width, "height": image.height,
                "bytes": len(image.body), "content_type": image.content_type}

    sizes = {str(max(image.width, image.height)): part(key, image) for key, image in written}
    return {"sizes": sizes, "display": part(*written[-1]), "thumbnail": part(*thumbnail)}


def _written_keys(parts: dict[str, dict], kept: dict) -> list[str]:
    return [kept["key"], parts["thumbnail"]["key"],
            *(size["key"] for size in parts["sizes"].values())]


def _unless_owned(media: Media, written: list[str]) -> None:
    """The record left pending meanwhile. Deleted (DELETE /media/{id} while this ran): what
    was just written has no owner, and the original alone may be 10 MB billed 30 days
    (Standard-IA), so it goes now rather than at the nightly orphan sweep. Settled by an
    earlier attempt: the same keys hold the same images; nothing to do. Settled from
    another upload under the same form: what this wrote and the record does not name (an
    original of another format, a size that picture has not) would be nobody's."""
    current = store.get_media(media.media_id)
    orphans = written if current is None else sorted(set(written) - set(current.keys))
    if orphans:
        objects.delete_objects(orphans)


def _cover_if_none(media: Media, thumbnail_key: str) -> None:
    """The first ready image of a project without a cover becomes its cover (the portfolio clients'
    thumbnailer did this); a project that has one keeps it."""
    if media.project_id:
        projects.set_cover(media.project_id, media_id=media.media_id, key=thumbnail_key,
                           now_iso=clock.now_iso(), only_if_unset=True)


def _reject(media: Media, upload: UploadedObject, rejection: ImageRejected,
            original: dict) -> MediaOutcome:
    changed = store.settle(media.media_id, status=REJECTED, now_iso=clock.iso(clock.now()), changes={
        "reject_reason": rejection.reason, "reject_message": rejection.message,
        "original": {k: v for k, v in original.items() if v is not None}})
    objects.delete_objects([upload.key])
    if not changed:
        return MediaOutcome("unchanged", media.media_id)
    count_by(M.MEDIA_REJECTED, reason=rejection.reason)
    logger.info("portfolio image rejected", extra={"media_id": media.media_id,
                                                   "reason": rejection.reason,
                                                   "detail": rejection.detail})
    return MediaOutcome("rejected", media.media_id, rejection.reason)


def _already_settled(media: Media, upload: UploadedObject) -> MediaOutcome:
    """A late or repeated event: the upload is deleted, and if this very upload made the
    image ready, an earlier attempt may have stopped before choosing the cover."""
    objects.delete_objects([upload.key])
    if media.status == READY and media.original.get("etag") == upload.etag.strip('"'):
        _cover_if_none(media, media.thumbnail["key"])
    return MediaOutcome("unchanged", media.media_id)
