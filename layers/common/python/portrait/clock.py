"""The one clock: what time it is, and the one format every timestamp takes.

Every timestamp Portrait writes (records, API replies, events) is ISO 8601 in UTC with
milliseconds and a Z: `2026-12-06T07:20:38.123Z`. Milliseconds because a project's
`updated_at` is also its search document's version, and two changes within a second
must still order; one format because strings of one format sort as their times do.

Rules that count seconds (grace periods, TTLs, ages) use `now()`. Code reads the clock
through this module (`clock.now()`), so a test moves time for everything by patching
`portrait.clock.now`.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> int:
    """Seconds since the epoch: the clock of every rule."""
    return int(time.time())


def iso(epoch: float) -> str:
    """`epoch` (seconds, fractions kept to the millisecond) in the one format."""
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """This moment, to the millisecond, in the one format."""
    return iso(time.time())


def epoch_of(text: str) -> float:
    """The seconds since the epoch of a timestamp in the one format (or any ISO 8601)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def now_and_iso() -> tuple[int, str]:
    """One instant as seconds and as text: where a record stores both (expires_at from
    the first must equal deleted_at, the second, plus the grace exactly)."""
    at = now()
    return at, iso(at)


def ms_since(text: str) -> int:
    """Milliseconds from a timestamp in the one format to now (0 if it is in the future)."""
    return max(0, int((time.time() - epoch_of(text)) * 1000))
