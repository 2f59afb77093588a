"""The face-area heuristic (skin tone in the upper part, else upper-central), and
the upright photo it works on."""
from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from portrait.imaging.face_area import face_window, skin_mask
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import decode

from ..imaging.corpus import BLUE, GREEN, GREY, RED, YELLOW, jpeg_gps_orientation6, quadrants

SKIN_TONES = [(224, 172, 140), (198, 134, 66), (141, 85, 36), (80, 50, 35), (255, 219, 172)]
NOT_SKIN = [RED, GREEN, BLUE, YELLOW, GREY, (0, 0, 0), (255, 255, 255), (60, 90, 120)]
BACKDROP = (60, 90, 120)


def photo_with_face(size: tuple[int, int], centre: tuple[int, int], radius: int) -> Image.Image:
    image = Image.new("RGB", size, BACKDROP)
    x, y = centre
    ImageDraw.Draw(image).ellipse((x - radius, y - radius, x + radius, y + radius),
                                  fill=SKIN_TONES[0])
    return image


def test_skin_tones_of_many_complexions_are_marked_and_other_colours_not() -> None:
    swatches = Image.new("RGB", (len(SKIN_TONES) + len(NOT_SKIN), 1))
    swatches.putdata(SKIN_TONES + NOT_SKIN)
    marks = list(skin_mask(swatches).tobytes())
    assert marks == [255] * len(SKIN_TONES) + [0] * len(NOT_SKIN)


@pytest.mark.parametrize("size, box", [
    ((400, 400), (90, 45, 310, 265)),  # side 0.55 x 400, top a quarter of the free 180 down
    ((300, 400), (67, 59, 232, 224)),  # portrait: side 165, top 235 / 4
    ((400, 300), (117, 34, 282, 199)),  # landscape: centred across
])
def test_without_skin_the_window_is_upper_central(size, box) -> None:
    assert face_window(quadrants(*size)) == box


@pytest.mark.parametrize("centre", [(130, 150), (300, 220), (200, 100)])
def test_the_window_centres_on_a_face_in_the_upper_part(centre) -> None:
    left, top, right, bottom = face_window(photo_with_face((400, 600), centre, 70))
    assert right - left == bottom - top == 220
    # Within a thumbnail cell (400 / 64 = 6.25 px) of centred, unless held in by an edge.
    expected_x = min(max(centre[0], 110), 290)
    expected_y = min(max(centre[1], 110), 490)
    assert abs((left + right) / 2 - expected_x) <= 7
    assert abs((top + bottom) / 2 - expected_y) <= 7


def test_skin_low_in_the_photo_or_too_little_of_it_is_ignored() -> None:
    default = face_window(Image.new("RGB", (400, 800), BACKDROP))
    assert face_window(photo_with_face((400, 800), (200, 740), 50)) == default  # below the search
    assert face_window(photo_with_face((400, 800), (200, 200), 12)) == default  # a speck


def test_the_photo_is_turned_upright_and_shrunk_before_any_crop() -> None:
    # Stored 400 x 300 with orientation 6: upright it is 300 x 400, with the green
    # mark at the viewer's top left and the red one at the top right (rows 50..125).
    image = upright_srgb(decode(jpeg_gps_orientation6()), 150)
    assert image.size == (150, 200) and image.mode == "RGB" and image.info == {}

    def near(colour, expected) -> bool:
        return all(abs(a - b) <= 24 for a, b in zip(colour, expected))

    assert near(image.getpixel((10, 40)), GREEN)
    assert near(image.getpixel((140, 40)), RED)
    assert near(image.getpixel((75, 190)), GREY)
    assert upright_srgb(decode(jpeg_gps_orientation6()), 1000).size == (300, 400)  # no upscale
