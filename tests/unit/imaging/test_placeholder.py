"""The neutral placeholder shown for users without an avatar."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.imaging.placeholder import placeholder_png


@pytest.mark.parametrize("size", [64, 256, 1024])
def test_placeholder_is_a_square_png_of_the_size_asked(size) -> None:
    with Image.open(io.BytesIO(placeholder_png(size))) as image:
        assert image.format == "PNG" and image.size == (size, size)
        assert not image.info.get("exif")


def test_placeholder_is_the_same_for_everyone_and_not_blank() -> None:
    assert placeholder_png(128) == placeholder_png(128)
    with Image.open(io.BytesIO(placeholder_png(128))) as image:
        corner, centre = image.getpixel((2, 2)), image.getpixel((64, 50))
    assert corner != centre  # a figure on a ground


@pytest.mark.parametrize("size", [0, 15, 4096])
def test_absurd_sizes_are_refused(size) -> None:
    with pytest.raises(ValueError):
        placeholder_png(size)
