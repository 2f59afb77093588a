"""Avatar squares framed around the face: one face found, a head-and-shoulders square
clamped to the photo; none or several, the centre, as before."""
from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from portrait.imaging import make_variants
from portrait.imaging.faces import find_faces
from portrait.imaging.framing import CENTRE, FACE, face_square, stored_box
from portrait.imaging.prepare import turn_upright
from tests.unit.faces import photos

ORIENTATIONS = range(1, 9)
# The EXIF orientation that makes a stored image look like `upright` once applied.
_STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_270}


def _stored(upright: Image.Image, orientation: int) -> Image.Image:
    transpose = _STORED[orientation]
    return upright.transpose(transpose) if transpose is not None else upright


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_a_box_on_the_upright_picture_maps_onto_the_stored_pixels(orientation) -> None:
    rng = random.Random(orientation)
    upright = Image.frombytes("L", (60, 40), bytes(rng.randrange(256) for _ in range(2400)))
    stored = _stored(upright, orientation)
    assert turn_upright(stored, orientation).tobytes() == upright.tobytes()
    box = (7, 5, 31, 29)
    mapped = tuple(round(v) for v in stored_box(box, stored.size, orientation))
    assert turn_upright(stored.crop(mapped), orientation).tobytes() == upright.crop(box).tobytes()


def test_the_square_is_clamped_inside_the_photo() -> None:
    assert face_square((950, 50), 100, 1000, 600) == (740, 0, 1000, 260)  # top right corner
    assert face_square((500, 300), 400, 1000, 600) == (200, 0, 800, 600)  # larger than fits


def _variants(image: Image.Image, **options) -> tuple:
    result = make_variants(photos.jpeg(image, **options), workers=1)
    full = Image.open(io.BytesIO(result.get("full").body))
    full.load()
    return result, full


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_a_face_in_a_corner_is_the_centre_of_every_variant(orientation) -> None:
    upright, _ = photos.face_in_corner()
    exif = Image.Exif()
    exif[0x0112] = orientation
    result, full = _variants(_stored(upright, orientation), exif=exif.tobytes())
    assert result.framing == FACE
    (face,) = find_faces(full)
    # Centred across, its centre a little above the middle (head and shoulders).
    assert abs(face.centre[0] / full.width - 0.5) < 0.06
    assert 0.32 < face.centre[1] / full.height < 0.52
    assert 0.25 < face.width / full.width < 0.5


def test_a_centre_crop_would_have_cut_the_face_out() -> None:
    upright, (x, y) = photos.face_in_corner()
    left = (upright.width - upright.height) // 2
    assert not left <= x < left + upright.height  # the premise of the test above


@pytest.mark.parametrize("image", [photos.photo("coffee"), photos.photo("chelsea"),
                                   photos.two_faces(close_up=True), photos.noise()],
                         ids=["no face", "a cat", "two faces", "noise"])
def test_no_face_or_several_keep_the_centre(image) -> None:
    # Framing looks for faces from an eighth of the photo up (faces.py): two such faces.
    framed = make_variants(photos.jpeg(image), workers=1, frame_faces=True)
    centred = make_variants(photos.jpeg(image), workers=1, frame_faces=False)
    assert framed.framing == CENTRE == centred.framing
    assert [v.body for v in framed.variants] == [v.body for v in centred.variants]


def test_a_small_face_is_cut_from_enough_pixels_never_upscaled_from_a_draft() -> None:
    from portrait.imaging.validate import AVATAR_LIMITS, decode
    from portrait.imaging.variants import _redecode_at_least

    corner, _ = photos.face_in_corner((4000, 3000))
    data = photos.jpeg(corner)
    drafted = decode(data, AVATAR_LIMITS, at_least=1024)
    assert drafted.scale == 2  # 3000 / 2 = 1500 >= 1024: the JPEG is decoded at half size
    box = (2814, 111, 4000, 1297)  # a 1186 px face square: 593 drafted pixels for 1024
    at_least = _redecode_at_least(drafted, box, 1024)
    assert decode(data, AVATAR_LIMITS, at_least=at_least).scale == 1
    centre = (500, 0, 3500, 3000)  # the centre square has pixels to spare
    assert _redecode_at_least(drafted, centre, 1024) is None
