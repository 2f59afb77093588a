"""Portfolio display copies on the size ladder: which sizes a picture gets (pure), and what
make_media_images encodes for them, bytes in, bytes out."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.imaging.media import DISPLAY_SIDES, display_ladder, make_media_images
from portrait.sizes import MEDIA_DISPLAY_SIDES

from .corpus import BLUE, SECRETS, encode, exif_with, half_transparent, quadrants


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.mark.parametrize(("longer", "ladder"), [
    (5000, (640, 1280, 2048)),  # capped at the top rung
    (2048, (640, 1280, 2048)),
    (2000, (640, 1280, 2000)),  # a 1/2 JPEG draft of a 4000 px photo: its own size on top
    (1500, (640, 1280, 1500)),
    (1400, (640, 1400)),  # 1280 is within 10 % under 1400: not worth a copy of its own
    (900, (640, 900)),  # the 1280 and 2048 rungs are one copy at its own size, not two
    (712, (640, 712)),
    (700, (700,)),
    (640, (640,)),  # exactly a rung: once
    (100, (100,)),  # never upscaled
])
def test_the_ladder_keeps_the_rungs_below_the_picture_and_the_picture_once(longer, ladder):
    assert display_ladder(longer) == ladder
    assert list(ladder) == sorted(set(ladder))  # smallest first, no duplicates


def test_the_ladder_is_the_published_one():
    assert DISPLAY_SIDES == MEDIA_DISPLAY_SIDES == (640, 1280, 2048)


def test_a_picture_has_at_least_one_pixel():
    with pytest.raises(ValueError):
        display_ladder(0)


@pytest.mark.parametrize(("source_size", "sizes"), [
    ((3000, 2000), [(640, 427), (1280, 853), (2048, 1365)]),  # landscape: widths are the rungs
    ((2000, 3000), [(427, 640), (853, 1280), (1365, 2048)]),  # portrait: heights are
    ((900, 600), [(640, 427), (900, 600)]),  # its own size once, never upscaled
    ((500, 400), [(500, 400)]),
])
def test_each_copy_is_its_rung_on_the_longer_side_and_exactly_that(source_size, sizes):
    images = make_media_images(encode(quadrants(*source_size), "PNG"), workers=1)
    assert [(copy.width, copy.height) for copy in images.sizes] == sizes
    for copy in images.sizes:
        image = opened(copy.body)
        assert image.format == "WEBP" and image.size == (copy.width, copy.height)
        assert copy.content_type == "image/webp"
    assert images.display is images.sizes[-1]


def test_every_copy_is_upright_and_without_metadata():
    """Orientation 6, GPS, a camera make and XMP in the source: each copy is turned
    upright and carries none of it (no EXIF, XMP or ICC profile; no planted byte)."""
    source = encode(quadrants(3000, 2000), "JPEG", quality=92, exif=exif_with(6, gps=True),
                    xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + SECRETS[2] + b"</x:xmpmeta>")
    images = make_media_images(source, workers=2)
    assert [(copy.width, copy.height) for copy in images.sizes] == [
        (427, 640), (853, 1280), (1365, 2048)]
    for copy in (*images.sizes, images.thumbnail):
        image = opened(copy.body)
        assert not image.getexif() and "xmp" not in image.info and "icc_profile" not in image.info
        assert not any(secret in copy.body for secret in SECRETS)


def test_a_smaller_copy_keeps_its_transparency_without_dark_fringes():
    images = make_media_images(encode(half_transparent((2400, 1800)), "PNG"), workers=1)
    small = opened(images.sizes[0].body)
    assert small.size == (640, 480) and small.mode == "RGBA"
    assert small.getpixel((20, 240))[3] == 255 and small.getpixel((620, 240))[3] == 0
    # On the edge (at 320) the colour stays blue, not darkened by the transparent black
    # beside it: filtered straight, pixel 319 comes out (37, 56, 197), and as WebP stores
    # it, further off still.
    edge = small.getpixel((319, 240))
    assert edge[3] > 200 and all(abs(a - b) <= 6 for a, b in zip(edge[:3], BLUE))
