"""The variants as they are stored in S3: exact sizes, immutable, no metadata, upright."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.imaging import AVATAR_SIZES
from portrait.store import keys
from tests.unit.imaging.corpus import (
    GREEN, GREY, RED, SECRETS, XMP_SECRET, encode, exif_with, marked_landscape)
from tests.unit.imaging.inspect_output import assert_no_metadata


def _phone_photo() -> bytes:
    """2000 x 1500 as stored, orientation 6, with GPS, a camera make and XMP."""
    return encode(marked_landscape(2000, 1500), "JPEG", quality=92, exif=exif_with(6, gps=True),
                  xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + XMP_SECRET + b"</x:xmpmeta>")


def _near(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


@pytest.fixture
def ready_avatar(stack):
    user_id = stack.new_user()
    avatar = stack.upload(user_id, _phone_photo())
    assert stack.resize(stack.receive()) == {"batchItemFailures": []}
    return stack.avatar(avatar)


def test_five_exact_squares_cached_forever(stack, ready_avatar) -> None:
    assert ready_avatar.original == {"format": "jpeg", "width": 2000, "height": 1500,
                                     "bytes": ready_avatar.original["bytes"], "frames": 1,
                                     "etag": ready_avatar.original["etag"]}
    for size, side in AVATAR_SIZES.items():
        key = keys.avatar_variant_key(ready_avatar.user_id, ready_avatar.avatar_id, size, "webp")
        record = ready_avatar.variants[size]
        assert (record["key"], record["width"], record["height"]) == (key, side, side)
        stored = stack.get(key)
        body = stored["Body"].read()
        assert record["bytes"] == len(body) and record["content_type"] == "image/webp"
        assert stored["ContentType"] == "image/webp"
        assert stored["CacheControl"] == keys.AVATAR_CACHE_CONTROL
        with Image.open(io.BytesIO(body)) as image:
            assert (image.format, image.size) == ("WEBP", (side, side))


def test_no_exif_xmp_or_gps_survives(stack, ready_avatar) -> None:
    for record in ready_avatar.variants.values():
        assert_no_metadata(stack.get(record["key"])["Body"].read(), "webp", SECRETS)


def test_the_photo_is_the_right_way_up(stack, ready_avatar) -> None:
    # Orientation 6 turns the stored left edge to the top: red top right, green top left.
    body = stack.get(ready_avatar.variants["full"]["key"])["Body"].read()
    image = Image.open(io.BytesIO(body)).convert("RGB")
    inset = 40
    assert _near(image.getpixel((1024 - inset, inset)), RED)
    assert _near(image.getpixel((inset, inset)), GREEN)
    assert _near(image.getpixel((inset, 1024 - inset)), GREY)
    assert _near(image.getpixel((1024 - inset, 1024 - inset)), GREY)
