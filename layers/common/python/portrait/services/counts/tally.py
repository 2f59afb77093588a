"""What one stream record changes in the counts: pure, no AWS.

Each kind of record counts in some figures (an avatar in its status, a user in `total`
and, without an avatar, in `without_avatar`, a generation in its status). A record's
change is what its new image counts minus what its old image counted: an INSERT adds,
a REMOVE (by a request or by TTL) takes away, a MODIFY moves between figures (pending
→ ready, ready → deleted, deleted → ready on a restore) or changes nothing. Derived from
the images alone, the same record always means the same change, whatever came before
it; applying it once (stream.py) is what keeps the counts right.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Mapping

from portrait.store import avatars as avatar_store
from portrait.store import generations as generation_store

AVATARS, USERS, GENERATIONS = "avatars", "users", "generations"
KINDS = (AVATARS, USERS, GENERATIONS)

AVATAR_STATES = (avatar_store.PENDING, avatar_store.READY, avatar_store.REJECTED,
                 avatar_store.DELETED, avatar_store.EXPIRED, avatar_store.PURGED)
GENERATION_STATES = (generation_store.PENDING, generation_store.PROCESSING,
                     generation_store.COMPLETED, generation_store.FAILED, generation_store.EXPIRED)
USER_FIGURES = ("total", "without_avatar")
FIGURES = {AVATARS: AVATAR_STATES, USERS: USER_FIGURES, GENERATIONS: GENERATION_STATES}

Image = Mapping[str, Any] | None


def avatar_figures(image: Image) -> Counter:
    status = (image or {}).get("status")
    # Only avatar records carry user_id and avatar_id (a status outside the known ones
    # would be a bug elsewhere: counted under its own name, so it shows, never dropped).
    if not image or not status or "avatar_id" not in image:
        return Counter()
    return Counter({str(status): 1})


def user_figures(image: Image) -> Counter:
    # The users table also holds username#/email# guard items: not users.
    if not image or not str(image.get("pk", "")).startswith("user#"):
        return Counter()
    return Counter({"total": 1, "without_avatar": 0 if image.get("avatar_id") else 1})


def generation_figures(image: Image) -> Counter:
    # The generations table also holds share links (no status, no pose).
    if not image or not {"generation_id", "status", "pose_id"} <= image.keys():
        return Counter()
    return Counter({str(image["status"]): 1})


FIGURES_OF: dict[str, Callable[[Image], Counter]] = {
    AVATARS: avatar_figures, USERS: user_figures, GENERATIONS: generation_figures}


def change_of(kind: str, old: Image, new: Image) -> dict[str, int]:
    """The figures one record moves, and by how much (none: nothing to count)."""
    figures = FIGURES_OF[kind]
    after, before = figures(new), figures(old)
    return {name: after[name] - before[name] for name in sorted(after.keys() | before.keys())
            if after[name] != before[name]}


def tally(kind: str, images: Any) -> dict[str, int]:
    """Every figure of `kind` over `images` (the backfill's scan), the known ones at 0."""
    totals = Counter({name: 0 for name in FIGURES[kind]})
    for image in images:
        totals.update(FIGURES_OF[kind](image))
    return dict(totals)
