"""The face detector on real photographs and on things that are not one face."""
from __future__ import annotations

import pytest

from portrait.imaging.faces import PHOTO_SIDE, find_faces
from tests.unit.faces import photos


@pytest.mark.parametrize("side", [640, PHOTO_SIDE])
@pytest.mark.parametrize("name", sorted(photos.FACES))
def test_a_portrait_has_one_face_where_the_face_is(name, side) -> None:
    image = photos.photo(name)
    faces = find_faces(image, side=side)
    assert len(faces) == 1
    face = faces[0]
    # The face is in the upper half and well inside the picture, and of a portrait's size.
    assert 0.2 * image.width < face.centre[0] < 0.8 * image.width
    assert face.centre[1] < 0.6 * image.height
    assert 0.1 * image.width < face.width < 0.6 * image.width


def test_a_mirrored_portrait_is_still_one_face() -> None:
    from PIL import Image

    assert len(find_faces(photos.photo("astronaut").transpose(Image.Transpose.FLIP_LEFT_RIGHT))) == 1


@pytest.mark.parametrize("side", [640, PHOTO_SIDE])
@pytest.mark.parametrize("name", photos.NO_FACE)
def test_no_face_is_found_where_there_is_none(name, side) -> None:
    assert find_faces(photos.photo(name), side=side) == []


@pytest.mark.parametrize("side", [640, PHOTO_SIDE])
def test_noise_has_no_face(side) -> None:
    assert find_faces(photos.noise(), side=side) == []


def test_two_people_are_two_faces_at_the_photo_check_s_size() -> None:
    faces = find_faces(photos.two_faces(), side=PHOTO_SIDE)
    assert len(faces) == 2
    assert faces[0].score >= faces[1].score  # the surest first


def test_a_small_face_in_a_large_photo_is_found_in_its_coordinates() -> None:
    image, (x, y) = photos.face_in_corner()
    (face,) = find_faces(image)
    assert abs(face.centre[0] - x) < 0.05 * image.width and abs(face.centre[1] - y) < 0.05 * image.height


def test_a_face_turned_upside_down_is_not_a_frontal_face() -> None:
    # Photos are judged upright: callers apply the EXIF orientation first.
    from PIL import Image

    assert find_faces(photos.photo("grace_hopper").transpose(Image.Transpose.ROTATE_180)) == []
