"""GET /media/{id}/original: a portfolio image's original, for its owner only.

The original is the owner's own file as they uploaded it, EXIF and GPS included
(what the display copies drop on purpose), so it is private: never under the CDN's
key patterns, never in a list reply, only behind a presigned GET made on request,
short-lived (MEDIA_ORIGINAL_URL_TTL_SECONDS) and signed with the file name and type
the download is saved with. Anyone else's id answers 404, as every media route does.
"""
from __future__ import annotations

from dataclasses import dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.errors import Conflict, Gone, NotFound
from portrait.store import objects
from portrait.store.keys import CONTENT_TYPES
from portrait.store.portfolio import media as store
from portrait.store.portfolio.media import READY, Media
from portrait.text import attachment_disposition

# The extensions a file of each sniffed format may already carry; else the first is added.
_EXTENSIONS = {"jpeg": ("jpg", "jpeg", "jpe", "jfif"), "png": ("png",), "webp": ("webp",),
               "gif": ("gif",)}


@dataclass(frozen=True)
class OriginalDownload:
    url: str  # presigned GET; its reply carries Content-Disposition: attachment
    expires_at: str
    filename: str
    content_type: str
    bytes: int | None


def original_download(user_id: str, media_id: str) -> OriginalDownload:
    """The owner's original: 404 for anyone else's or a missing id, 409 media_not_ready
    while pending (or rejected, expired: nothing was kept), 410 original_not_kept for an
    image made before originals were kept."""
    media = store.get_media(media_id)
    if media is None or media.user_id != user_id:
        raise NotFound("no such image", code="media_not_found")
    if media.status != READY:
        raise Conflict(f"the image is {media.status}: only a ready image has an original "
                       "to download", code="media_not_ready")
    original = media.original
    if not original.get("key"):
        raise Gone("this image was processed before originals were kept: its original "
                   "was not kept", code="original_not_kept")
    filename = download_filename(media)
    content_type = original.get("content_type") or CONTENT_TYPES[original["format"]]
    ttl = get_settings().media_original_url_ttl_seconds
    url = objects.download_url(
        original["key"], content_type=content_type, expires_in=ttl,
        disposition=attachment_disposition(filename, fallback=media.media_id))
    return OriginalDownload(url=url, expires_at=clock.iso(clock.now() + ttl), filename=filename,
                            content_type=content_type, bytes=original.get("bytes"))


def download_filename(media: Media) -> str:
    """The name the upload came with (display text; no path), or the image id, ending in an
    extension of the real format: "scan.png" holding a JPEG is saved as "scan.png.jpg"."""
    name = (media.original_filename or "").strip() or media.media_id
    extensions = _EXTENSIONS[media.original["format"]]
    if name.rpartition(".")[2].lower() in extensions and "." in name:
        return name
    return f"{name}.{extensions[0]}"
