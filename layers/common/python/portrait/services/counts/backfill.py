"""Seeding the record counts from the tables themselves (a deployment that has data).

The streams move counts from where they stand; a counts table created beside tables
that already hold users and avatars starts at zero and would stay wrong by exactly
what was there. The backfill scans the avatars, users and generations tables once and
sets every figure (store.counts.counters.set_figures: one transaction).

StorageCountsFunction runs it by itself on its first run after a deploy (nothing
seeded yet); `portrait counts backfill` runs it again on demand. A scan is not a
snapshot: a change committed while it runs may be both seen by the scan and counted
by the stream. Run it when writes are quiet (a new deployment's first hour is), or
again after, to make the counts exact; between two runs the streams keep them so.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from portrait import clock
from portrait.config import get_settings
from portrait.observability import logger
from portrait.services.counts.tally import AVATARS, GENERATIONS, USERS, tally
from portrait.store.counts import counters, scans


@dataclass(frozen=True)
class BackfillReport:
    figures: dict[str, dict[str, int]]
    items_scanned: int
    seeded_at: str
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


class _Counted:
    """An iterator over a scan that counts what went through it."""

    def __init__(self, images) -> None:
        self.images, self.seen = images, 0

    def __iter__(self):
        for image in self.images:
            self.seen += 1
            yield image


def seed_counters() -> BackfillReport:
    """Scan the three tables and set every count from what they hold."""
    settings = get_settings()
    started = time.monotonic()
    tables = {AVATARS: settings.avatars_table, USERS: settings.users_table,
              GENERATIONS: settings.generations_table}
    figures, scanned = {}, 0
    for kind, table in tables.items():
        images = _Counted(scans.scan_images(table))
        figures[kind] = tally(kind, images)
        scanned += images.seen
    seeded_at = clock.now_iso()
    counters.set_figures(figures, seeded_at=seeded_at)
    report = BackfillReport(figures=figures, items_scanned=scanned, seeded_at=seeded_at,
                            seconds=round(time.monotonic() - started, 3))
    logger.info("counts seeded from the tables", extra=report.as_dict())
    return report


def seed_counters_once() -> BackfillReport | None:
    """The backfill, unless it ran before (the counts are then the streams' to keep)."""
    if counters.seeded_at() is not None:
        return None
    return seed_counters()
