"""What EventPublisherFunction does with one stream record: count it, then publish it.

Counting first: a record whose publish fails is delivered again, and its count (kept
once per record id) is not repeated; its events are (consumers deduplicate on event_id).
"""
from __future__ import annotations

from portrait.services.counts.stream import count_change
from portrait.services.domain_events import Change, publish_changes


def handle_change(table: str, change: Change) -> int:
    """Count one stream record of `table` and publish its events; returns how many events."""
    count_change(table, change)
    return publish_changes(table, change)
