"""Direct uploads, shared by every feature that takes an image from a client (avatars,
portfolio images, generation photos): the content types we take, the presigned POST
form S3 enforces, and the processors' first check, that an object is one we issued.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from portrait import clock
from portrait.config import get_settings
from portrait.errors import InvalidField
from portrait.observability import logger
from portrait.store import keys, objects
from portrait.store.keys import TmpKey

if TYPE_CHECKING:  # the processors' type; the API, which issues forms, never loads it
    from portrait.s3_events import UploadedObject

ALLOWED_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# Names some clients send for JPEG; the form is then issued for the real one.
_CONTENT_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST form: every reply that hands one out carries these fields."""

    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int
    content_type: str


@dataclass(frozen=True)
class IssuedForm:
    """A form just issued, and what the record it leads to keeps of it."""

    key: str  # tmp/{kind}/{user_id}/{upload_id}/source
    form: UploadForm
    issued_at: int  # epoch seconds
    expires_at: int  # epoch seconds


def allowed_content_type(requested: str, what: str) -> str:
    """The content type a form is issued for (aliases resolved); InvalidInput if not an
    image we take. `what` names the uploads in the message ("avatars", "photos")."""
    content_type = requested.split(";")[0].strip().lower()
    content_type = _CONTENT_TYPE_ALIASES.get(content_type, content_type)
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise InvalidField("content_type",
                           f"{what} must be one of {', '.join(ALLOWED_CONTENT_TYPES)}",
                           code="unsupported_content_type")
    return content_type


def issue_form(kind: str, user_id: str, upload_id: str, *, content_type: str,
               max_bytes: int) -> IssuedForm:
    """A form for tmp/{kind}/{user_id}/{upload_id}/source: S3 enforces its key, its size
    range (1 byte..max_bytes) and its content type until the form expires."""
    ttl = get_settings().upload_form_ttl_seconds
    at = clock.now()
    key = keys.tmp_upload_key(kind, user_id, upload_id)
    form = objects.presigned_upload_form(key, content_types=ALLOWED_CONTENT_TYPES,
                                         content_type=content_type, max_bytes=max_bytes,
                                         expires_in=ttl)
    return IssuedForm(key=key, issued_at=at, expires_at=form.expires_at, form=UploadForm(
        url=form.url, fields=form.fields, expires_at=clock.iso(form.expires_at),
        max_bytes=max_bytes, content_type=content_type))


def issued_upload(upload: UploadedObject, kind: str) -> TmpKey | None:
    """The parts of an uploaded object's key if it is a `kind` upload we issued, in our
    bucket; None (logged) otherwise: retrying cannot make such an event valid, so the
    processors drop it."""
    tmp = keys.parse_tmp_key(upload.key)
    if upload.bucket == get_settings().media_bucket and tmp is not None and tmp.kind == kind:
        return tmp
    logger.warning("dropping an event for a key we did not issue",
                   extra={"bucket": upload.bucket, "key": upload.key})
    return None


def read_upload(upload: UploadedObject, max_bytes: int) -> objects.StoredObject | None:
    """The uploaded object (a larger one than `max_bytes` without its body: its size is
    enough to refuse it); None, logged, when it is gone: swept or replaced since the
    event was sent (its own event, if any, follows)."""
    try:
        return objects.read_object(upload.key, max_bytes=max_bytes)
    except objects.ObjectMissing:
        logger.info("the upload is gone; nothing to process", extra={"key": upload.key})
        return None
