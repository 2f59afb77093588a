"""Avatar API test helpers: members, processed avatars written through the store
(as the processor would), and a pinned rate-limit window."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portrait import clock
from portrait.config import get_settings
from portrait.ids import new_id
from portrait.sizes import AVATAR_SIZES
from portrait.store import avatars, keys, rate_limits, users
from portrait.store.avatars import PENDING, Avatar

SIZES = AVATAR_SIZES  # portrait.sizes: the one table
ISO = "2027-01-15T08:00:00.000Z"  # the clock's one format


@pytest.fixture
def member(api) -> dict:
    user = api.register()
    return {**user, "token": api.login(user["username"])["access_token"]}


@pytest.fixture
def other_member(api) -> dict:
    user = api.register()
    return {**user, "token": api.login(user["username"])["access_token"]}


@pytest.fixture
def pinned_rate_window(monkeypatch) -> float:
    """Every hit at one instant: the count never depends on how slowly the test runs."""
    instant = 1_800_000_010.0
    monkeypatch.setattr(rate_limits, "time", SimpleNamespace(time=lambda: instant))
    return instant


def pending_avatar(user_id: str) -> Avatar:
    avatar = Avatar(user_id=user_id, avatar_id=new_id(), status=PENDING, source="upload",
                    created_at=ISO, updated_at=ISO, upload_id=new_id(), content_type="image/png")
    avatars.create_avatar(avatar)
    return avatar


def variant_key(user_id: str, avatar_id: str, size: str) -> str:
    return keys.avatar_variant_key(user_id, avatar_id, size, "webp")


def processed_avatar(user_id: str, *, sizes=tuple(SIZES)) -> str:
    """What the processor does with a good upload: variants recorded, the avatar made current
    (the previous one soft-deleted). Returns the new avatar id."""
    avatar = pending_avatar(user_id)
    now = clock.now()
    variants = {size: {"key": variant_key(user_id, avatar.avatar_id, size), "width": SIZES[size],
                       "height": SIZES[size], "bytes": 1000, "content_type": "image/webp"}
                for size in sizes}
    avatars.make_current(user_id, avatar.avatar_id, expected_status=PENDING,
                         previous_avatar_id=users.get_user(user_id).avatar_id,
                         now_iso=clock.iso(now), now=now,
                         grace_seconds=get_settings().avatar_grace_seconds,
                         changes={"variants": variants, "ready_at": clock.iso(now)})
    return avatar.avatar_id
