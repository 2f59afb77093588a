"""Avatar views and history cursors: pure rules, no AWS."""
from __future__ import annotations

import base64
import typing

import pytest

from portrait.errors import InvalidInput
from portrait.imaging import AVATAR_SIZES
from portrait.services import avatar_views
from portrait.services.avatars import decode_cursor, encode_cursor

ULID = "01JAAAAAAAAAAAAAAAAAAAAAAA"


def test_the_api_sizes_are_the_imaging_sizes() -> None:
    # Restated in avatar_views so the API's cold start does not import Pillow.
    assert avatar_views.SIZE_PIXELS == dict(AVATAR_SIZES)
    assert typing.get_args(avatar_views.AvatarSize) == avatar_views.SIZES
    assert list(avatar_views.SIZE_PIXELS.values()) == sorted(avatar_views.SIZE_PIXELS.values())


@pytest.mark.parametrize("available, asked, chosen", [
    ({"small": 1, "medium": 1}, "medium", "medium"),
    ({"small": 1, "large": 1}, "medium", "large"),
    ({"thumbnail": 1, "small": 1}, "full", "small"),
    ({}, "medium", None),
])
def test_pick_size_prefers_the_next_larger(available, asked, chosen) -> None:
    assert avatar_views.pick_size(available, asked) == chosen


def test_iso_is_utc_with_a_z() -> None:
    assert avatar_views.iso(1_800_000_000) == "2027-01-15T08:00:00Z"


def test_cursors_round_trip_and_hide_their_content() -> None:
    cursor = encode_cursor(ULID)
    assert decode_cursor(cursor) == ULID
    assert ULID not in cursor and "=" not in cursor


@pytest.mark.parametrize("cursor", [
    "", "!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b'{"after": "x"}').decode(),
    base64.urlsafe_b64encode(b'["after"]').decode(), base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_foreign_cursors_are_invalid_input(cursor) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor)
    assert raised.value.code == "invalid_cursor"
