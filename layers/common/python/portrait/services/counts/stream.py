"""Counting stream records, each exactly once (EventPublisherFunction, before it publishes).

Streams deliver at least once: a batch that failed part-way is delivered again from
the record that failed, and Lambda may retry a whole batch. A record's change is
therefore written with a marker keyed by the record's own id, in one transaction whose
marker must not exist yet (store.counts.counters.add_once): a redelivered record finds
its marker and changes nothing. The change itself comes from the record's two images
(tally.change_of), so records need no particular order across items.
"""
from __future__ import annotations

from portrait import clock
from portrait.config import get_settings
from portrait.observability import logger
from portrait.services.counts.tally import AVATARS, GENERATIONS, USERS, change_of
from portrait.services.domain_events import Change
from portrait.store.counts import counters


def _kind_of(table: str) -> str | None:
    settings = get_settings()
    return {settings.avatars_table: AVATARS, settings.users_table: USERS,
            settings.generations_table: GENERATIONS}.get(table)


def count_change(table: str, change: Change) -> bool:
    """Apply what one stream record of `table` changes in the counts; False when it
    changes nothing or was counted before."""
    kind = _kind_of(table)
    if kind is None or not change.record_id:
        return False
    changes = change_of(kind, change.old, change.new)
    if not changes:
        return False
    applied = counters.add_once(kind, change.record_id, changes, now=clock.now())
    if not applied:
        logger.info("stream record counted before; skipped",
                    extra={"record_id": change.record_id, "kind": kind})
    return applied
