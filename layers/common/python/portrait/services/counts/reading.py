"""The counts as the admin routes and /health answer them: stored figures, no scan.

Record counts are read from the counter shards (one BatchGetItem); storage totals from
the last listing, with its time and age. A figure below zero means the counters were
never seeded on a table that had data (the streams took away what was never added):
it is answered as 0 and logged, and `portrait counts backfill` puts it right.
"""
from __future__ import annotations

from dataclasses import dataclass

from portrait import clock
from portrait.observability import logger
from portrait.services.counts.storage import PREFIXES
from portrait.services.counts.tally import AVATARS, FIGURES, GENERATIONS, USERS
from portrait.store.avatars import DELETED, EXPIRED, PENDING, PURGED, READY, REJECTED
from portrait.store.counts import counters, storage_totals


@dataclass(frozen=True)
class StorageCounts:
    prefixes: dict[str, dict[str, int]]
    as_of: str | None  # ISO 8601: when the listing finished; None before the first one
    age_seconds: int | None


def _figures(kind: str) -> dict[str, int]:
    stored = counters.read_figures([kind])[kind]
    figures = {name: stored.get(name, 0) for name in FIGURES[kind]}
    if any(value < 0 for value in figures.values()):
        logger.warning("a count is below zero: the counters were not seeded; run "
                       "`portrait counts backfill`", extra={"kind": kind, "figures": figures})
    return {name: max(0, value) for name, value in figures.items()}


def avatar_counts() -> dict[str, int]:
    """GET /admin/counts/avatars: every avatar record by what it is now."""
    by_status = _figures(AVATARS)
    return {"current": by_status[READY], "deleted_awaiting_purge": by_status[DELETED],
            "pending": by_status[PENDING], "rejected": by_status[REJECTED],
            "expired": by_status[EXPIRED], "purged": by_status[PURGED]}


def user_counts() -> dict[str, int]:
    """GET /admin/counts/users: accounts, and those with no current avatar."""
    return _figures(USERS)


def generation_counts() -> dict[str, dict[str, int]]:
    """GET /admin/counts/generations: every generation record by status."""
    return {"by_state": _figures(GENERATIONS)}


def storage_counts(*, now: float | None = None) -> StorageCounts:
    """GET /admin/counts/storage (and /health): the last listing's totals and their age;
    zeros and no time before the first listing."""
    totals = storage_totals.get_totals()
    if totals is None:
        return StorageCounts(prefixes={name: {"objects": 0, "bytes": 0} for name in PREFIXES},
                             as_of=None, age_seconds=None)
    at = clock.now() if now is None else now
    return StorageCounts(prefixes={name: totals.prefixes.get(name, {"objects": 0, "bytes": 0})
                                   for name in PREFIXES},
                         as_of=clock.iso(totals.listed_at),
                         age_seconds=max(0, int(at - totals.listed_at)))
