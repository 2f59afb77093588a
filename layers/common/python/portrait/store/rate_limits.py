"""Sliding-window rate limits: at most `limit` attempts in ANY `window_seconds` span.

A fixed window (one counter per clock minute) lets 2 × limit through around
a boundary: `limit` at 11:59:59 and `limit` more at 12:00:00. Here one item
per scope and subject keeps the times of the attempts it allowed in the last
window (at most `limit` numbers), and each attempt is a read then a save
conditional on the item's version, so concurrent callers cannot both take
the last place. The item expires by TTL once its newest attempt is a window old.
"""
from __future__ import annotations

import math
import time
from time import sleep

from pynamodb.exceptions import PutError

from portrait.store.contention import JITTER
from portrait.errors import RateLimited
from portrait.store.models import RateLimitItem, bound, condition_failed

# Keep items a while past their window, so a slow TTL never races a live window.
_TTL_GRACE_SECONDS = 60
# Concurrent attempts by one subject retry the read-check-save this often.
_MAX_TRIES = 8


def hit(scope: str, subject: str, *, limit: int, window_seconds: int = 60,
        now: float | None = None) -> int:
    """Count one attempt; the attempts in the window so far, or RateLimited at `limit`.

    `scope` names what is limited (login, upload, delete), `subject` whom
    (a user id, or a hash of what identifies an anonymous caller).
    """
    model = bound(RateLimitItem)
    pk = f"{scope}#{subject}"
    for attempt in range(_MAX_TRIES):
        at = time.time() if now is None else now
        try:
            item = model.get(pk, consistent_read=True)
        except model.DoesNotExist:
            item = model(pk)
        recent = sorted(t for t in item.hits if t > at - window_seconds)
        if len(recent) >= limit:
            # Room opens when the oldest of the last `limit` attempts leaves the window.
            retry_after = max(1, math.ceil(recent[-limit] + window_seconds - at))
            raise RateLimited(f"too many {scope} attempts; retry in {retry_after} s",
                              retry_after=retry_after)
        item.hits = [*recent, at]
        item.expires_at = math.ceil(at) + window_seconds + _TTL_GRACE_SECONDS
        try:
            item.save()
            return len(item.hits)
        except PutError as exc:
            if not condition_failed(exc):
                raise
        sleep(JITTER.uniform(0, 0.02 * 2 ** attempt))  # another attempt won the race
    # Still losing races after every try: this subject is bursting, which is what the
    # limit is for; refusing briefly is safe, and nothing was counted.
    raise RateLimited(f"too many concurrent {scope} attempts; retry in 1 s", retry_after=1)
