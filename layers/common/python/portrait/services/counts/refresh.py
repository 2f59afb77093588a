"""StorageCountsFunction's run: the record counts seeded if they never were (the first
run after a deploy), then the storage totals listed and stored."""
from __future__ import annotations

from portrait import clock
from portrait.services.counts.backfill import seed_counters_once
from portrait.services.counts.storage import list_storage_totals


def refresh_counts() -> dict:
    seeded = seed_counters_once()
    totals = list_storage_totals()
    return {"seeded": seeded.as_dict() if seeded else None, "storage": totals.prefixes,
            "as_of": clock.iso(totals.listed_at), "seconds": round(totals.seconds_to_list, 3)}
