"""Storage totals by prefix: objects and bytes under avatars/, media/, generations/, tmp/.

S3 has no cheap count of a prefix, so StorageCountsFunction lists each prefix on a
schedule (hourly) and stores the totals with the time the listing finished; readers
answer with that time and its age. A listing page is 1,000 keys: about a million keys a
minute, which covers the bucket's first ~10 million objects within the function's 15
minutes. Past that, S3 Inventory (a daily CSV of every key and size) is the source to
sum instead (docs: README, "Counts").
"""
from __future__ import annotations

import time

from portrait import clock
from portrait.observability import logger
from portrait.store import objects
from portrait.store.counts.storage_totals import StoredTotals, put_totals

PREFIXES = {"avatars": "avatars/", "media": "media/", "generations": "generations/", "tmp": "tmp/"}


def list_storage_totals() -> StoredTotals:
    """List every counted prefix, store the totals, and return them."""
    started = time.monotonic()
    prefixes: dict[str, dict[str, int]] = {}
    for name, prefix in PREFIXES.items():
        count = size = 0
        for page in objects.iter_object_pages(prefix):
            count += len(page)
            size += sum(listed.size for listed in page)
        prefixes[name] = {"objects": count, "bytes": size}
    totals = StoredTotals(prefixes=prefixes, listed_at=time.time(),
                          seconds_to_list=time.monotonic() - started)
    put_totals(totals)
    logger.info("storage totals listed", extra={"prefixes": prefixes,
                                                "as_of": clock.iso(totals.listed_at),
                                                "seconds": round(totals.seconds_to_list, 3)})
    return totals
