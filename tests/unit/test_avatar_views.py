"""Avatar views and history cursors: pure rules, no AWS."""
from __future__ import annotations

import base64
import typing

import pytest

from portrait import clock
from portrait.errors import InvalidInput
from portrait.sizes import AVATAR_SIZES, AvatarSize
from portrait.services.avatars import views as avatar_views
from portrait.ids import ULID_PATTERN
from portrait.services.cursors import after_cursor, after_id, decode_cursor

ULID = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def test_the_api_sizes_are_the_imaging_sizes() -> None:
    # One table (portrait.sizes) for the imaging code, the views and the API's type.
    assert avatar_views.SIZE_PIXELS is AVATAR_SIZES
    assert typing.get_args(AvatarSize) == avatar_views.SIZES
    assert list(avatar_views.SIZE_PIXELS.values()) == sorted(avatar_views.SIZE_PIXELS.values())


@pytest.mark.parametrize("available, asked, chosen", [
    ({"small": 1, "medium": 1}, "medium", "medium"),
    ({"small": 1, "large": 1}, "medium", "large"),
    ({"thumbnail": 1, "small": 1}, "full", "small"),
    ({}, "medium", None),
])
def test_pick_size_prefers_the_next_larger(available, asked, chosen) -> None:
    assert avatar_views.pick_size(available, asked) == chosen


def test_iso_is_utc_with_milliseconds_and_a_z() -> None:
    assert clock.iso(1_800_000_000) == "2027-01-15T08:00:00.000Z"
    assert clock.iso(1_800_000_000.25) == "2027-01-15T08:00:00.250Z"
    assert clock.epoch_of(clock.iso(1_800_000_000.25)) == 1_800_000_000.25


def test_cursors_round_trip_and_hide_their_content() -> None:
    cursor = after_cursor(ULID)
    assert after_id(cursor) == ULID
    assert ULID not in cursor and "=" not in cursor
    assert after_cursor(None) is None and after_id(None) is None and after_id("") is None


@pytest.mark.parametrize("cursor", [
    "", "!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b'{"after": "x"}').decode(),
    base64.urlsafe_b64encode(b'["after"]').decode(), base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_foreign_cursors_are_invalid_input(cursor) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor, "after", pattern=ULID_PATTERN)
    assert raised.value.code == "invalid_cursor"
