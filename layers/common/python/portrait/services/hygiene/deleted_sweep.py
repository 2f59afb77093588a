"""Purging soft-deleted avatars once their grace has passed, and orphans.

Two ways in, each ending with the avatar's objects gone and its record a
tombstone, which keeps a late restore answering 410 (not 404) for a while.
Nothing is ever left that no run would find.

- sweep_deleted_avatars: the nightly schedule (03:00 UTC) reads the sparse
  soft_deleted index (only soft-deleted avatars, oldest grace end first),
  then sweeps orphans. Objects first, then the record becomes a tombstone in
  one conditional write: a crash in between leaves the record in the index,
  and the next run does it again.
- purge_expired_avatar: the avatars table's stream, TTL REMOVEs only (the
  event source's filter), for avatars DynamoDB's TTL removed first. Here the
  record is already gone and a failing stream record is dropped after its
  last retry (the on-failure queue gets only the batch's shard and sequence
  numbers, which the stream forgets within 24 h). So the tombstone goes
  first, then the objects, and the orphan pass finishes what is left:
  objects under a tombstone are orphans, and an avatar whose objects have
  no record at all gets the tombstone its purge never wrote.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from portrait import clock
from portrait.config import get_settings
from portrait import metric_catalogue as M
from portrait.observability import emit, logger

from portrait.services.hygiene.orphans import ObjectTally, sweep_orphans
from portrait.store import avatar_cleanup, avatars, keys, objects
from portrait.store.avatars import DELETED, Avatar


@dataclass(frozen=True)
class DeletedSweepReport:
    """What a sweep did; in a dry run, what it would have done (nothing was changed)."""

    avatars_found: int  # soft-deleted avatars past their grace
    avatars_purged: int
    objects_deleted: int  # the purged avatars' objects
    orphans_found: int
    orphans_deleted: int
    failed: int  # objects not deleted (and avatars whose purge broke off); retried next run
    bytes_freed: int
    dry_run: bool

    def as_dict(self) -> dict:
        return asdict(self)


class PurgeIncomplete(RuntimeError):
    """Some of an expired avatar's objects could not be deleted; raised so the stream retries."""


@dataclass
class _AvatarTally(ObjectTally):
    """found/deleted count avatars and their objects; failed counts both."""

    purged: int = 0


def sweep_deleted_avatars(*, dry_run: bool = False, now: float | None = None) -> DeletedSweepReport:
    settings = get_settings()
    now = time.time() if now is None else now
    tally = _AvatarTally()
    # expires_at <= now, in whole seconds: the same rule as Avatar.past_grace.
    for avatar in avatars.iter_soft_deleted(expired_before=int(now) + 1):
        tally.found += 1
        try:
            _purge(avatar, tally, dry_run=dry_run, now=int(now))
        except Exception:  # noqa: BLE001 - one avatar must not stop the night's sweep
            logger.exception("purging an avatar failed; the next run retries",
                             extra={"user_id": avatar.user_id, "avatar_id": avatar.avatar_id})
            tally.failed += 1
    orphans = sweep_orphans(older_than=now - settings.orphan_min_age_hours * 3600, dry_run=dry_run,
                            on_unrecorded=lambda owner: _tombstone_unrecorded(owner, int(now)))
    report = DeletedSweepReport(
        avatars_found=tally.found, avatars_purged=tally.purged,
        objects_deleted=tally.deleted, orphans_found=orphans.found,
        orphans_deleted=orphans.deleted, failed=tally.failed + orphans.failed,
        bytes_freed=tally.bytes_freed + orphans.bytes_freed, dry_run=dry_run)
    if not dry_run:
        _publish_metrics(report)
    logger.info("deleted-avatar sweep finished", extra=report.as_dict())
    return report


def _purge(avatar: Avatar, tally: _AvatarTally, *, dry_run: bool, now: int) -> None:
    deleted, failed, freed = _delete_avatar_objects(avatar.user_id, avatar.avatar_id, dry_run)
    tally.deleted += deleted
    tally.bytes_freed += freed
    tally.failed += failed
    if dry_run:
        tally.purged += 1
        return
    if failed:  # the record stays in the index, so the next run finds the rest
        return
    if avatar_cleanup.replace_with_tombstone(avatar, now_iso=clock.iso(now),
                                             expires_at=now + get_settings().avatar_tombstone_seconds):
        tally.purged += 1  # avatar.purged comes from the stream: the tombstone's write
    else:
        logger.info("the avatar changed before its purge; left as it is now",
                    extra={"user_id": avatar.user_id, "avatar_id": avatar.avatar_id})


def _delete_avatar_objects(user_id: str, avatar_id: str, dry_run: bool) -> tuple[int, int, int]:
    """Every object under the avatar's prefix (variants in all formats, and anything a
    crashed attempt left); returns (deleted, failed, bytes freed)."""
    deleted = failed = freed = 0
    for page in objects.iter_object_pages(keys.avatar_prefix(user_id, avatar_id)):
        not_deleted = set() if dry_run else set(objects.delete_objects(o.key for o in page))
        gone = [item for item in page if item.key not in not_deleted]
        deleted, failed = deleted + len(gone), failed + len(not_deleted)
        freed += sum(item.size for item in gone)
    return deleted, failed, freed


def purge_expired_avatar(old_image: dict) -> int:
    """Delete the objects of an avatar DynamoDB's TTL removed, and leave its tombstone.

    `old_image` is the removed item (deserialized). Returns how many objects
    were deleted. Idempotent: a redelivered record finds nothing left to
    delete and the tombstone written; the REMOVE of a tombstone does nothing.
    """
    user_id, avatar_id = old_image.get("user_id"), old_image.get("avatar_id")
    if old_image.get("status") != DELETED or not user_id or not avatar_id:
        logger.info("not a soft-deleted avatar; nothing to purge",
                    extra={"status": old_image.get("status"), "avatar_id": avatar_id})
        return 0
    # Tombstone first: if this record runs out of retries, whatever is left is found by
    # the orphan pass (objects under a tombstone, or objects with no record at all).
    now = clock.now()
    avatar_cleanup.write_tombstone(old_image, now_iso=clock.iso(now),
                                   expires_at=now + get_settings().avatar_tombstone_seconds)
    deleted, failed, freed = _delete_avatar_objects(user_id, avatar_id, dry_run=False)
    if failed:
        raise PurgeIncomplete(f"{failed} objects of avatar {avatar_id} were not deleted")
    emit(M.AVATARS_PURGED, 1)
    emit(M.PURGED_OBJECTS, deleted)
    emit(M.PURGED_BYTES, freed)
    logger.info("expired avatar purged", extra={"user_id": user_id, "avatar_id": avatar_id,
                                                "objects": deleted, "bytes": freed})
    return deleted


def _tombstone_unrecorded(owner: tuple[str, str], now: int) -> None:
    """The orphan pass deleted the objects of an avatar that has no record at all: DynamoDB's
    TTL removed it and its stream purge never finished (or never ran). Leave the tombstone
    that purge would have left, so a restore answers 410 after either path, not 404."""
    user_id, avatar_id = owner
    if avatar_cleanup.write_tombstone({"user_id": user_id, "avatar_id": avatar_id},
                                      now_iso=clock.iso(now),
                                      expires_at=now + get_settings().avatar_tombstone_seconds):
        logger.info("tombstone left for an avatar whose record was gone",
                    extra={"user_id": user_id, "avatar_id": avatar_id})


def _publish_metrics(report: DeletedSweepReport) -> None:
    for metric, value in ((M.AVATARS_PURGED, report.avatars_purged),
                          (M.PURGED_OBJECTS, report.objects_deleted),
                          (M.ORPHANS_FOUND, report.orphans_found),
                          (M.ORPHANS_DELETED, report.orphans_deleted),
                          (M.SWEEP_FAILURES, report.failed)):
        emit(metric, value)
    emit(M.DELETED_SWEEP_BYTES_FREED, report.bytes_freed)
