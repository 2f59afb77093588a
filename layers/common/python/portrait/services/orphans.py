"""Orphans: objects under avatars/ and media/ that no record owns, past a minimum age.

They come from crashes between writing objects and writing (or after removing)
their record, and from purges that ran out of retries. The age floor (24 h
by default) keeps uploads in flight safe: a processor writes an avatar's
variants before the switch that makes it ready.

Listing is paged (1000 keys a page) and the owners are looked up once per
owner prefix per page, in batches, never once per object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from portrait.observability import logger
from portrait.store import avatar_cleanup, keys, objects

OwnerKey = tuple[str, str]  # (user_id, avatar_id | media_id)


def _avatars_holding_objects(owners: Iterable[OwnerKey]) -> set[OwnerKey]:
    statuses = avatar_cleanup.avatar_statuses(owners)
    return {owner for owner, status in statuses.items() if status in avatar_cleanup.HOLDS_OBJECTS}


def _no_media_records(owners: Iterable[OwnerKey]) -> set[OwnerKey]:
    """There is no media table yet, so no media object has a record. When media
    records exist, their batch lookup replaces this (or media uploads get swept)."""
    return set()


# Per area: which of these owners have a record that owns objects.
RECORD_LOOKUPS: dict[str, Callable[[Iterable[OwnerKey]], set[OwnerKey]]] = {
    "avatars": _avatars_holding_objects,
    "media": _no_media_records,
}


@dataclass
class ObjectTally:
    found: int = 0
    deleted: int = 0
    failed: int = 0
    bytes_freed: int = 0


def sweep_orphans(*, older_than: float, dry_run: bool) -> ObjectTally:
    """Find (and unless `dry_run`, delete) unowned objects last modified at or before `older_than`."""
    tally = ObjectTally()
    for area in keys.OWNED_AREAS:
        lookup = RECORD_LOOKUPS[area]
        known: dict[OwnerKey, bool] = {}
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
                owned = lookup(missing)
                known.update({o: o in owned for o in missing})
            orphans = [item for item in old
                       if owner_of[item.key] is None or not known[owner_of[item.key]]]
            if orphans:
                _delete(orphans, tally, dry_run)
    return tally


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
