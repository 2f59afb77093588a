"""What one stream record changes in the counts: every transition of an avatar, a user
and a generation, from the record's two images alone (pure: no AWS)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portrait.services.counts.tally import AVATARS, GENERATIONS, USERS, change_of, tally


def avatar(status: str, **more) -> dict:
    return {"user_id": "U", "avatar_id": "A", "status": status, **more}


def user(**more) -> dict:
    return {"pk": "user#U", "user_id": "U", "username": "alice", "credits": Decimal(5), **more}


def generation(status: str) -> dict:
    return {"user_id": "U", "generation_id": "G", "pose_id": "P", "status": status}


@pytest.mark.parametrize("old, new, expected", [
    (None, avatar("pending"), {"pending": 1}),  # a form issued
    (avatar("pending"), avatar("ready"), {"pending": -1, "ready": 1}),
    (avatar("pending"), avatar("rejected"), {"pending": -1, "rejected": 1}),
    (avatar("pending"), avatar("expired"), {"expired": 1, "pending": -1}),
    (avatar("ready"), avatar("deleted"), {"deleted": 1, "ready": -1}),
    (avatar("deleted"), avatar("ready"), {"deleted": -1, "ready": 1}),  # a restore
    (avatar("deleted"), None, {"deleted": -1}),  # TTL removed it past its grace
    (None, avatar("purged"), {"purged": 1}),  # the purge's tombstone (a Put)
    (avatar("deleted"), avatar("purged"), {"deleted": -1, "purged": 1}),  # the nightly sweep
    (avatar("purged"), None, {"purged": -1}),  # the tombstone's own TTL
    (avatar("rejected"), None, {"rejected": -1}),  # a rejected record removed
    (avatar("ready"), avatar("ready", updated_at="x"), {}),  # same state: nothing to count
])
def test_avatar_transitions(old, new, expected) -> None:
    assert change_of(AVATARS, old, new) == expected


@pytest.mark.parametrize("old, new, expected", [
    (None, user(), {"total": 1, "without_avatar": 1}),  # registered, default avatar to come
    (user(), user(avatar_id="A"), {"without_avatar": -1}),  # the default (or an upload) landed
    (user(avatar_id="A"), user(avatar_id="B"), {}),  # a new avatar replaced it
    (user(avatar_id="A"), user(), {"without_avatar": 1}),  # the current avatar deleted
    (user(avatar_id="A"), None, {"total": -1}),  # the account removed
    (user(), user(credits=Decimal(4)), {}),  # a balance moved
    (None, {"pk": "username#alice", "user_id": "U"}, {}),  # guard items are not users
    (None, {"pk": "email#a@b.c", "user_id": "U"}, {}),
])
def test_user_transitions(old, new, expected) -> None:
    assert change_of(USERS, old, new) == expected


@pytest.mark.parametrize("old, new, expected", [
    (None, generation("pending"), {"pending": 1}),
    (generation("pending"), generation("processing"), {"pending": -1, "processing": 1}),
    (generation("processing"), generation("completed"), {"completed": 1, "processing": -1}),
    (generation("processing"), generation("failed"), {"failed": 1, "processing": -1}),
    (generation("pending"), generation("expired"), {"expired": 1, "pending": -1}),
    (generation("completed"), None, {"completed": -1}),  # deleted by its owner
    (None, {"pk": "share#S", "user_id": "U", "generation_id": "G"}, {}),  # a share link
])
def test_generation_transitions(old, new, expected) -> None:
    assert change_of(GENERATIONS, old, new) == expected


def test_a_life_sums_to_where_it_ends() -> None:
    """Every record of an avatar's life, added up, leaves only its last state counted."""
    life = [None, avatar("pending"), avatar("ready"), avatar("deleted"), avatar("ready"),
            avatar("deleted"), None, avatar("purged"), None]
    total: dict[str, int] = {}
    for old, new in zip(life, life[1:]):
        for name, delta in change_of(AVATARS, old, new).items():
            total[name] = total.get(name, 0) + delta
    assert {name: n for name, n in total.items() if n} == {}


def test_the_backfill_tally_counts_every_known_figure() -> None:
    images = [avatar("ready"), avatar("ready"), avatar("deleted"), {"pk": "other"}]
    assert tally(AVATARS, images) == {"pending": 0, "ready": 2, "rejected": 0, "deleted": 1,
                                      "expired": 0, "purged": 0}
    assert tally(USERS, [user(), user(avatar_id="A"), {"pk": "username#a"}]) == {
        "total": 2, "without_avatar": 1}
    assert tally(GENERATIONS, [generation("completed")])["completed"] == 1
