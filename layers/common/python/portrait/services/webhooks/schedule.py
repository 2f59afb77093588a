"""When the next attempt of a failing delivery is made.

The schedule (settings: WEBHOOK_RETRY_SCHEDULE) lists the wait before each attempt; the
first is 0 (at once). Each wait is the schedule's plus jitter drawn uniformly from 0 to a
quarter of it, at the time of the failure (never at import: instances restored from one
snapshot must not draw alike). The jitter goes on top rather than replacing the wait
("full jitter" from 0) so that the schedule's sum, 27.5 h by default, is the least time a
delivery is retried for: full jitter could collapse a whole day's retries into minutes,
and the specification's promise is at least a day. Retries of many deliveries that failed
together (a receiver's outage) still spread out by up to 25 %.
"""
from __future__ import annotations

import secrets
from typing import Sequence

JITTER_FRACTION = 0.25
_RANDOM = secrets.SystemRandom()  # draws from os.urandom on every call: no state to share


def next_wait(attempts_made: int, schedule: Sequence[int]) -> float | None:
    """Seconds to wait before the next attempt, after `attempts_made` failed ones; None
    when the schedule is exhausted (the delivery is parked)."""
    if attempts_made >= len(schedule):
        return None
    base = schedule[attempts_made]
    return base + _RANDOM.uniform(0, base * JITTER_FRACTION)


def least_retry_span(schedule: Sequence[int]) -> int:
    """The shortest time from the first attempt to the last (no jitter drawn)."""
    return sum(schedule[1:])
