"""Orphans: objects under avatars/ and media/ that no record owns, past a minimum age.

They come from crashes between writing objects and writing (or after removing)
their record, and from purges that ran out of retries. The age floor (24 h
by default) keeps uploads in flight safe: a processor writes an avatar's
variants before the switch that makes it ready. An avatar whose objects go
while it has no record at all is reported to the caller, which leaves the
tombstone its purge never wrote (deleted_sweep).

Listing is paged (1000 keys a page) and the owners are looked up once per
owner prefix per page, in batches, never once per object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from portrait.observability import logger
from portrait.store import avatar_cleanup, keys, objects
from portrait.store.portfolio import media as media_store

OwnerKey = tuple[str, str]  # (user_id, avatar_id | media_id)


def _avatar_statuses(owners: Iterable[OwnerKey]) -> dict[OwnerKey, str]:
    return avatar_cleanup.avatar_statuses(owners)


def _media_statuses(owners: Iterable[OwnerKey]) -> dict[OwnerKey, str]:
    """Media records are keyed by id alone: a record owns media/{user}/{id}/ only if it
    names that user too (a key under another user's prefix is owned by nobody)."""
    owners = list(owners)
    found = media_store.media_statuses(media_id for _, media_id in owners)
    return {(user_id, media_id): found[media_id][1] for user_id, media_id in owners
            if media_id in found and found[media_id][0] == user_id}


# Per area: the status of each of these owners' records (owners with none are absent),
# and the statuses whose record owns its objects.
RECORD_LOOKUPS: dict[str, Callable[[Iterable[OwnerKey]], dict[OwnerKey, str]]] = {
    "avatars": _avatar_statuses,
    "media": _media_statuses,
}
OWNING_STATUSES: dict[str, frozenset[str]] = {
    "avatars": avatar_cleanup.HOLDS_OBJECTS,
    # Pending: a processor writes the images before the record says ready.
    "media": frozenset({media_store.PENDING, media_store.READY}),
}
# Areas whose owners without any record are reported to `on_unrecorded` (a purged
# avatar's tombstone); a deleted image's record is simply gone, so none is owed one.
REPORTS_UNRECORDED = frozenset({"avatars"})
NO_RECORD, REPORTED = "", "reported"  # in `known`, beside the statuses of real records


@dataclass
class ObjectTally:
    found: int = 0
    deleted: int = 0
    failed: int = 0
    bytes_freed: int = 0


def sweep_orphans(*, older_than: float, dry_run: bool,
                  on_unrecorded: Callable[[OwnerKey], None] | None = None) -> ObjectTally:
    """Find (and unless `dry_run`, delete) unowned objects last modified at or before `older_than`.

    `on_unrecorded(owner)` is called (not in a dry run) once per avatar whose objects
    were deleted and which has no record at all, after its objects on the page.
    """
    tally = ObjectTally()
    for area in keys.OWNED_AREAS:
        lookup, owning = RECORD_LOOKUPS[area], OWNING_STATUSES[area]
        known: dict[OwnerKey, str] = {}  # owner -> its record's status, or NO_RECORD
        for page in objects.iter_object_pages(f"{area}/"):
            old = [item for item in page if item.last_modified <= older_than]
            if not old:
                continue
            owner_of = {item.key: _owner(keys.parse_owned_key(item.key)) for item in old}
            owners = set(owner_of.values()) - {None}
            # An owner's objects are contiguous in key order, so only the last owner of
            # the previous page can reappear: forget the rest, memory stays flat.
            known = {o: v for o, v in known.items() if o in owners}
            missing = owners - known.keys()
            if missing:
                statuses = lookup(missing)
                known.update({o: statuses.get(o, NO_RECORD) for o in missing})
            orphans = [item for item in old
                       if owner_of[item.key] is None or known[owner_of[item.key]] not in owning]
            if orphans:
                _delete(orphans, tally, dry_run)
            if orphans and on_unrecorded and not dry_run and area in REPORTS_UNRECORDED:
                _report_unrecorded(orphans, owner_of, known, on_unrecorded, tally)
    return tally


def _report_unrecorded(orphans: list[objects.ListedObject], owner_of: dict[str, OwnerKey | None],
                       known: dict[OwnerKey, str], on_unrecorded: Callable[[OwnerKey], None],
                       tally: ObjectTally) -> None:
    for owner in sorted({owner_of[item.key] for item in orphans} - {None}):
        if known[owner] != NO_RECORD:
            continue
        known[owner] = REPORTED  # its objects may go on over the next page: report it once
        try:
            on_unrecorded(owner)
        except Exception:  # noqa: BLE001 - one owner must not stop the sweep
            logger.exception("handling an owner without a record failed",
                             extra={"user_id": owner[0], "owner_id": owner[1]})
            tally.failed += 1


def _owner(key: keys.OwnedKey | None) -> OwnerKey | None:
    return (key.user_id, key.owner_id) if key else None


def _delete(orphans: list[objects.ListedObject], tally: ObjectTally, dry_run: bool) -> None:
    tally.found += len(orphans)
    failed: set[str] = set()
    if not dry_run:
        try:
            failed = set(objects.delete_objects(item.key for item in orphans))
        except Exception:  # noqa: BLE001 - the next night retries; the sweep goes on
            logger.exception("deleting a page of orphans failed", extra={"keys": len(orphans)})
            failed = {item.key for item in orphans}
    gone = [item for item in orphans if item.key not in failed]
    tally.failed += len(failed)
    tally.deleted += len(gone)
    tally.bytes_freed += sum(item.size for item in gone)
    logger.info("orphaned objects" + (" found" if dry_run else " deleted"),
                extra={"count": len(gone), "failed": len(failed),
                       "sample": [item.key for item in orphans[:5]]})
