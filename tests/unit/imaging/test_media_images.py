"""Portfolio images: the display copy's size rules and the thumbnail, bytes in, bytes out."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.imaging.media import DISPLAY_LONG_EDGE, THUMBNAIL_SIDE, make_media_images

from .corpus import BLUE, encode, half_transparent, quadrants


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.mark.parametrize(
    ("fmt", "source_size", "display_size"),
    [
        ("JPEG", (4000, 3000), (2000, 1500)),  # DCT 1/2 lands within 10 % of 2048: as is
        ("JPEG", (3000, 2000), (2048, 1365)),  # 1/2 would be 1500: one Lanczos to 2048
        ("PNG", (4000, 3000), (2000, 1500)),  # the same size, by Lanczos as it decodes
        ("PNG", (8192, 2048), (2048, 512)),
        ("PNG", (1200, 900), (1200, 900)),  # never upscaled
    ],
)
def test_the_display_copy_is_at_most_2048_and_within_10_percent_of_it(fmt, source_size,
                                                                       display_size):
    images = make_media_images(encode(quadrants(*source_size), fmt))
    display = opened(images.display.body)
    assert display.size == display_size == (images.display.width, images.display.height)
    assert max(display.size) <= DISPLAY_LONG_EDGE
    assert opened(images.thumbnail.body).size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)


def test_a_reduced_display_keeps_the_colours_where_they_were():
    display = opened(make_media_images(encode(quadrants(4000, 3000), "PNG")).display.body)
    reference = quadrants(2000, 1500)
    for point in ((200, 200), (1800, 200), (200, 1300), (1800, 1300)):
        assert all(abs(a - b) <= 12 for a, b in zip(display.getpixel(point),
                                                     reference.getpixel(point)))


def test_transparency_survives_the_reduced_display_without_bleeding():
    source = half_transparent((4000, 3000))
    display = opened(make_media_images(encode(source, "PNG")).display.body)
    assert display.size == (2000, 1500) and display.mode == "RGBA"
    assert display.getpixel((100, 750))[3] == 255 and display.getpixel((1900, 750))[3] == 0
    # The transparent half is black underneath: filtered without premultiplying, the
    # opaque edge would darken. (994: clear of the edge at 1000 by Lanczos' 3 pixels
    # here, and outside its 4:2:0 chroma block.)
    edge = display.getpixel((994, 750))
    assert edge[3] == 255 and all(abs(a - b) <= 12 for a, b in zip(edge[:3], BLUE))
