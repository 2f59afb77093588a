"""Administration of temporary uploads (tmp/): list them, sweep them, remove one
upload session or every one of them (the admin actions operators asked for).

The hourly sweep (temp_sweep) is what keeps tmp/ small; these are for an
administrator who wants to look, or to act now. Removing an upload also
expires its pending avatar, so the owner's client stops waiting for it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from pydantic import BaseModel, ConfigDict, Field

from portrait import clock
from portrait.errors import InvalidInput, NotFound
from portrait.observability import logger
from portrait.services import cursors

from portrait.services.hygiene.temp_sweep import TempSweepReport, sweep_temp_uploads
from portrait.services.cursors import Page
from portrait.store import avatars, keys, objects
from portrait.store.avatars import EXPIRED, PENDING
from portrait.store.objects import ListedObject

CONFIRM_DELETE_ALL = "delete-all-temp-uploads"
# A request answers within the API's timeout (15 s): the sweep works in batches of this
# many seconds and small pages, and says where to resume when it has not finished.
REQUEST_BUDGET_SECONDS = 8
REQUEST_PAGE_SIZE = 50
MAX_PAGE = objects.PAGE_SIZE  # what one S3 listing returns at most
# S3 continuation tokens are opaque base64-ish text; anything else is not one we handed out.
_S3_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-.:]{1,1024}")


class TempSweepRequest(BaseModel):
    # Strict: JSON's own types as the schema says (no 0 for false, no "5" for 5).
    model_config = ConfigDict(extra="forbid", strict=True)

    older_than_hours: float | None = Field(
        None, ge=0, le=24 * 366, examples=[2],
        description="sweep uploads older than this (0: all of them); default: the sweep's own age")
    dry_run: bool = Field(False, description="report what would be deleted, delete nothing")
    cursor: str | None = Field(None, pattern=r"^tmp/[^\x00-\x1f]{1,1020}$",
                               description="the `next_cursor` of an incomplete sweep: resume it")


class DeleteAllTempUploads(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    confirm: str | None = Field(None, examples=[CONFIRM_DELETE_ALL],
                                description=f'must be exactly "{CONFIRM_DELETE_ALL}"')
    cursor: str | None = Field(None, pattern=r"^tmp/[^\x00-\x1f]{1,1020}$",
                               description="the `next_cursor` of an incomplete run: resume it")


@dataclass(frozen=True)
class TempUpload:
    """One object under tmp/. The id fields are None for a key we did not issue."""

    upload_id: str | None
    kind: str | None
    user_id: str | None
    key: str
    size: int
    last_modified: str
    age_seconds: int


@dataclass(frozen=True)
class TempSessionRemoved:
    upload_id: str
    kind: str | None
    user_id: str | None
    deleted: int
    failed: int
    bytes_freed: int
    record_expired: bool


def _describe(listed: ListedObject, now: float) -> TempUpload:
    tmp = keys.parse_tmp_key(listed.key)
    return TempUpload(upload_id=tmp.upload_id if tmp else None, kind=tmp.kind if tmp else None,
                      user_id=tmp.user_id if tmp else None, key=listed.key, size=listed.size,
                      last_modified=clock.iso(int(listed.last_modified)),
                      age_seconds=max(0, int(now - listed.last_modified)))


def list_temp_uploads(*, limit: int = 100, cursor: str | None = None,
                      now: float | None = None) -> Page[TempUpload]:
    """GET /admin/temp-uploads: a page of tmp/ objects in key order (so by kind, then owner)."""
    token = cursors.decode_cursor(cursor, "s3", pattern=_S3_TOKEN) if cursor else None
    try:
        page = objects.list_objects_page(keys.TMP_PREFIX, limit=min(limit, MAX_PAGE), token=token)
    except objects.InvalidContinuation:  # well formed, yet S3 does not know it
        raise cursors.invalid_cursor() from None
    at = clock.now() if now is None else now
    return Page(items=[_describe(o, at) for o in page.objects],
                          next_cursor=cursors.encode_cursor("s3", page.next_token)
                          if page.next_token else None)


_BOUNDED = {"time_budget_seconds": REQUEST_BUDGET_SECONDS, "page_size": REQUEST_PAGE_SIZE}


def sweep_now(request: TempSweepRequest, *, admin_user_id: str) -> TempSweepReport:
    """POST /admin/temp-uploads/sweep: the scheduled sweep, run now with the admin's age."""
    older_than = None if request.older_than_hours is None else round(request.older_than_hours * 3600)
    report = sweep_temp_uploads(older_than_seconds=older_than, dry_run=request.dry_run,
                                start_after=request.cursor, **_BOUNDED)
    logger.info("temp uploads swept by an administrator",
                extra={"admin_user_id": admin_user_id, **report.as_dict()})
    return report


def _session(upload_id: str) -> tuple[list[ListedObject], tuple[str, str] | None]:
    """The tmp/ objects of one upload session, and the avatar waiting for it if any.

    The key holds kind and owner, which an upload id alone does not tell. An
    avatar upload's record tells them; for anything else this reads the
    listing: tmp/ stays small (the hourly sweep, and a lifecycle rule that
    expires anything older than a day), and this is a rare administrator's action.
    """
    if avatar := avatars.find_by_upload(upload_id):
        prefix = keys.tmp_session_prefix("avatars", avatar[0], upload_id)
        return [o for page in objects.iter_object_pages(prefix) for o in page], avatar
    return [o for page in objects.iter_object_pages(keys.TMP_PREFIX) for o in page
            if (tmp := keys.parse_tmp_key(o.key)) and tmp.upload_id == upload_id], None


def delete_temp_upload(upload_id: str, *, admin_user_id: str) -> TempSessionRemoved:
    """DELETE /admin/temp-uploads/{upload_id}: its objects, and its pending avatar expired."""
    found, avatar = _session(upload_id)
    if not found:
        raise NotFound("no temporary upload with this id", code="temp_upload_not_found")
    failed = set(objects.delete_objects([o.key for o in found]))
    # Only a pending avatar expires (the condition): one processed meanwhile keeps its state.
    expired = bool(avatar) and not failed and avatars.set_status(
        *avatar, status=EXPIRED, expected_status=PENDING, now_iso=clock.iso(clock.now()))
    tmp = keys.parse_tmp_key(found[0].key)
    removed = TempSessionRemoved(
        upload_id=upload_id, kind=tmp.kind if tmp else None, user_id=tmp.user_id if tmp else None,
        deleted=len(found) - len(failed), failed=len(failed),
        bytes_freed=sum(o.size for o in found if o.key not in failed), record_expired=expired)
    logger.info("temp upload removed by an administrator",
                extra={"admin_user_id": admin_user_id, **asdict(removed)})
    return removed


def delete_all_temp_uploads(request: DeleteAllTempUploads | None, *,
                            admin_user_id: str) -> TempSweepReport:
    """DELETE /admin/temp-uploads: every object under tmp/ and the avatars waiting for them.

    That is the sweep with no age: a listing page (1000 keys) deleted at a
    time, records expired as it goes. Uploads in flight go too, so the caller
    must type the confirmation, and the deletion is logged at WARNING with who asked.
    """
    if request is None or request.confirm != CONFIRM_DELETE_ALL:
        raise InvalidInput(f'deleting every temporary upload needs {{"confirm": "{CONFIRM_DELETE_ALL}"}}',
                           code="confirmation_required")
    report = sweep_temp_uploads(older_than_seconds=0, start_after=request.cursor, **_BOUNDED)
    logger.warning("every temporary upload deleted by an administrator",
                   extra={"admin_user_id": admin_user_id, "count": report.deleted,
                          "failed": report.failed, "bytes": report.bytes_freed,
                          "records_expired": report.records_expired})
    return report
