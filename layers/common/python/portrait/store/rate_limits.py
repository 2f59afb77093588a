"""Fixed-window rate limits: one counter item per scope, subject and window.

One conditional ADD both counts and enforces (`count < limit`), so concurrent
callers cannot overshoot the limit. Counters expire by TTL a little after their
window ends; an expired counter is never read again because its window is past.
"""
from __future__ import annotations

import math
import time

from pynamodb.exceptions import UpdateError

from portrait.errors import RateLimited
from portrait.store.models import RateLimitItem, bound, condition_failed

# Keep counters a while past their window, so a slow TTL never races a live window.
_TTL_GRACE_SECONDS = 60


def hit(scope: str, subject: str, *, limit: int, window_seconds: int = 60,
        now: float | None = None) -> int:
    """Count one attempt; the count in this window, or RateLimited once `limit` is reached.

    `scope` names what is limited (login, upload, delete), `subject` whom
    (a user id, or a hash of what identifies an anonymous caller).
    """
    now = time.time() if now is None else now
    window_start = int(now // window_seconds) * window_seconds
    window_end = window_start + window_seconds
    model = bound(RateLimitItem)
    item = model(f"{scope}#{subject}#{window_start}")
    try:
        item.update(
            actions=[model.count.add(1), model.expires_at.set(window_end + _TTL_GRACE_SECONDS)],
            condition=model.count.does_not_exist() | (model.count < limit),
        )
    except UpdateError as exc:
        if condition_failed(exc):
            retry_after = max(1, math.ceil(window_end - now))
            raise RateLimited(
                f"too many {scope} attempts; retry in {retry_after} s", retry_after=retry_after
            ) from None
        raise
    return int(item.count)
