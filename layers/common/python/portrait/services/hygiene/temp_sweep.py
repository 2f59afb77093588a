"""The hourly temp sweep: uploads abandoned under tmp/ go, and the records waiting
for them are told the upload is not coming (pending → expired).

Uploads land under tmp/ and the processors delete their own tmp object once
they succeed, so what stays there past the threshold was abandoned: a form
used and never processed, a processor that gave up, a kind nobody reads yet.
The bucket's lifecycle rule (1 day) is only the backstop.

Memory stays flat whatever the bucket holds: one listing page (up to 1000
keys) at a time, deleted with one DeleteObjects call before the next page.
A key that fails to delete is counted and left for the next run; nothing
here aborts the sweep except failing to list at all.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from portrait import clock
from portrait.config import get_settings
from portrait.errors import InvalidInput
from portrait import metric_catalogue as M
from portrait.observability import emit, logger

from portrait.services.generations import outcomes as generation_outcomes
from portrait.store import avatar_cleanup, avatars, generations, keys, objects
from portrait.store.avatars import EXPIRED, PENDING
from portrait.store.keys import TmpKey
from portrait.store.portfolio import media as media_store


@dataclass(frozen=True)
class TempSweepReport:
    """What a sweep did; in a dry run, what it would have done (nothing was changed)."""

    found: int  # objects older than the threshold
    deleted: int
    failed: int  # left in place; the next run tries them again
    bytes_freed: int
    dry_run: bool
    records_expired: int  # pending records told their upload is not coming
    # A sweep given a time budget stops between pages when it runs out: then `complete`
    # is False and `next_cursor` (the last key it handled) resumes it.
    complete: bool = True
    next_cursor: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Tally:
    dry_run: bool
    now_iso: str
    found: int = 0
    deleted: int = 0
    failed: int = 0
    bytes_freed: int = 0
    records_expired: int = 0
    # Dry runs only: the records already counted, since nothing marks them expired.
    counted: set = field(default_factory=set)

    def report(self, next_cursor: str | None = None) -> TempSweepReport:
        return TempSweepReport(found=self.found, deleted=self.deleted, failed=self.failed,
                               bytes_freed=self.bytes_freed, dry_run=self.dry_run,
                               records_expired=self.records_expired,
                               complete=next_cursor is None, next_cursor=next_cursor)


def sweep_temp_uploads(*, older_than_seconds: int | None = None, dry_run: bool = False,
                       now: float | None = None, start_after: str | None = None,
                       time_budget_seconds: float | None = None,
                       page_size: int = objects.PAGE_SIZE) -> TempSweepReport:
    """Delete objects under tmp/ older than `older_than_seconds` (None: the
    TEMP_UPLOAD_MAX_AGE_MINUTES setting) and expire the records that waited for them.

    With a time budget (a request must answer in time), it stops after the page
    during which the budget ran out and says where to resume (`start_after`)."""
    settings = get_settings()
    max_age = (settings.temp_upload_max_age_minutes * 60 if older_than_seconds is None
               else older_than_seconds)
    if max_age < 0:
        raise InvalidInput("older_than_seconds must not be negative", code="invalid_threshold")
    now = time.time() if now is None else now
    cutoff = now - max_age
    tally = _Tally(dry_run=dry_run, now_iso=clock.iso(int(now)))
    started, next_cursor = time.monotonic(), None
    for page in objects.iter_object_pages(keys.TMP_PREFIX, start_after=start_after,
                                          page_size=page_size):
        old = [item for item in page if item.last_modified <= cutoff]
        if old:
            _sweep_page(old, tally)
        if time_budget_seconds is not None and \
                time.monotonic() - started >= time_budget_seconds:
            next_cursor = page[-1].key
            break
    if next_cursor is None:  # the last pass, only once the listing is done
        _expire_forms_never_used(tally, expired_before=int(cutoff))
    report = tally.report(next_cursor)
    if not dry_run:
        _publish_metrics(report)
    logger.info("temp sweep finished", extra={**report.as_dict(), "older_than_seconds": max_age})
    return report


def _sweep_page(old: list[objects.ListedObject], tally: _Tally) -> None:
    tally.found += len(old)
    if tally.dry_run:
        gone = old
    else:
        try:
            failed = set(objects.delete_objects(item.key for item in old))
        except Exception:  # noqa: BLE001 - one bad page must not stop the sweep
            logger.exception("deleting a page of tmp/ objects failed", extra={"keys": len(old)})
            failed = {item.key for item in old}
        if failed:
            logger.warning("some tmp/ objects were not deleted; the next run retries them",
                           extra={"failed": len(failed), "sample": sorted(failed)[:5]})
        tally.failed += len(failed)
        gone = [item for item in old if item.key not in failed]
    tally.deleted += len(gone)
    tally.bytes_freed += sum(item.size for item in gone)
    for item in gone:
        tmp = keys.parse_tmp_key(item.key)
        settle = SETTLE_ABANDONED.get(tmp.kind) if tmp else None
        if settle is None:
            continue
        try:
            tally.records_expired += settle(tmp, tally)
        except Exception:  # noqa: BLE001 - the pending_uploads pass below is the backstop
            logger.exception("settling an abandoned upload's record failed", extra={"key": item.key})


def _expire_avatar(user_id: str, avatar_id: str, tally: _Tally) -> int:
    """pending → expired, once; returns 1 if this call did it (or, dry, would)."""
    if tally.dry_run:
        if (user_id, avatar_id) in tally.counted:
            return 0
        avatar = avatars.get_avatar(user_id, avatar_id)
        if avatar is None or avatar.status != PENDING:
            return 0
        tally.counted.add((user_id, avatar_id))
        return 1
    return int(avatars.set_status(user_id, avatar_id, status=EXPIRED, expected_status=PENDING,
                                  now_iso=tally.now_iso))


def _settle_avatar_upload(tmp: TmpKey, tally: _Tally) -> int:
    found = avatars.find_by_upload(tmp.upload_id)
    if found is None or found[0] != tmp.user_id:  # not ours, or a key naming another user
        return 0
    return _expire_avatar(*found, tally)


def _expire_generation(user_id: str, generation_id: str, tally: _Tally, *,
                       input_arrived: bool) -> int:
    """→ expired and refunded, in the one conditional transaction that can only refund
    once (generation_outcomes); 1 if this call did it (or, dry, would)."""
    if tally.dry_run and ("generations", user_id, generation_id) in tally.counted:
        return 0
    done = generation_outcomes.expire_generation(user_id, generation_id,
                                                 input_arrived=input_arrived, dry_run=tally.dry_run)
    if done and tally.dry_run:
        tally.counted.add(("generations", user_id, generation_id))
    return int(done)


def _settle_generation_upload(tmp: TmpKey, tally: _Tally) -> int:
    # The key names the generation itself (upload id = generation id), or a batch's lead,
    # whose members all waited for this photo; and its owner.
    lead = generations.get_generation(tmp.user_id, tmp.upload_id)
    members = (lead.batch_members if lead is not None and lead.batch_members
               else (tmp.upload_id,))
    return sum(_expire_generation(tmp.user_id, member, tally, input_arrived=True)
               for member in members)


def _expire_media(media_id: str, tally: _Tally) -> int:
    """A portfolio image's pending → expired, once; 1 if this call did it (or, dry, would)."""
    if tally.dry_run:
        if ("media", media_id) in tally.counted:
            return 0
        media = media_store.get_media(media_id)
        if media is None or media.status != media_store.PENDING:
            return 0
        tally.counted.add(("media", media_id))
        return 1
    return int(media_store.settle(media_id, status=media_store.EXPIRED, now_iso=tally.now_iso,
                                  changes={}))


def _settle_media_upload(tmp: TmpKey, tally: _Tally) -> int:
    # The key names the image itself (upload id = media id); its owner must match.
    media = media_store.get_media(tmp.upload_id)
    if media is None or media.user_id != tmp.user_id:
        return 0
    return _expire_media(tmp.upload_id, tally)


# What an abandoned upload's record becomes, by the kind in its tmp/ key. A generation's
# move to expired is the conditional write that also
# refunds the credits (one transaction), so a rerun of the sweep, or a processor
# finishing late, can never refund twice.
SETTLE_ABANDONED: dict[str, Callable[[TmpKey, _Tally], int]] = {
    "avatars": _settle_avatar_upload,
    "generations": _settle_generation_upload,
    "media": _settle_media_upload,
}


def _expire_forms_never_used(tally: _Tally, *, expired_before: int) -> None:
    """Pending avatars whose form expired before the cutoff and whose upload never came:
    no tmp/ object leads to them, so the sparse pending_uploads index does. Any upload
    they got was made before its form expired, so it is past the threshold too."""
    try:
        for user_id, avatar_id in avatar_cleanup.iter_stale_pending_uploads(
                expired_before=expired_before):
            tally.records_expired += _expire_avatar(user_id, avatar_id, tally)
    except Exception:  # noqa: BLE001 - the objects are swept already; the next run retries
        logger.exception("expiring never-used upload forms failed")
    try:  # the same for generations: charged, and refunded as they expire
        for user_id, generation_id in generations.iter_waiting_for_input(
                expired_before=expired_before):
            tally.records_expired += _expire_generation(user_id, generation_id, tally,
                                                        input_arrived=False)
    except Exception:  # noqa: BLE001 - the next run retries
        logger.exception("expiring never-used generation forms failed")
    try:  # and portfolio images
        for media_id in media_store.iter_stale_pending(expired_before=expired_before):
            tally.records_expired += _expire_media(media_id, tally)
    except Exception:  # noqa: BLE001 - the next run retries
        logger.exception("expiring never-used media forms failed")


def _publish_metrics(report: TempSweepReport) -> None:
    emit(M.TEMP_OBJECTS_FOUND, report.found)
    emit(M.TEMP_OBJECTS_DELETED, report.deleted)
    emit(M.TEMP_OBJECTS_FAILED, report.failed)
    emit(M.TEMP_BYTES_FREED, report.bytes_freed)
    emit(M.TEMP_RECORDS_EXPIRED, report.records_expired)
