"""The face portrait on real photographs: the user's own face, at the pose's head, on a
drawn body, in each style. Renders are cached: each input is drawn once."""
from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from portrait.imaging.face_portrait import face_portrait_png, render_face_portrait
from portrait.imaging.faces import PHOTO_SIDE, Face, find_faces
from portrait.poses.catalogue import generate_catalogue
from portrait.styles import STYLE_NAMES
from tests.unit.faces import photos

POSES = {"front": "standing-relaxed-front-full", "waist": "standing-relaxed-front-waist",
         "angled": "waving-hand-up-angled-knees"}
SIDE_VIEW = "walking-short-stride-side-full"
PEOPLE = ("astronaut", "grace_hopper")
SEED = 7


@lru_cache(maxsize=None)
def source(name: str) -> tuple[Image.Image, Face]:
    image = photos.photo(name)
    (face,) = find_faces(image, side=PHOTO_SIDE)
    return image, face


@lru_cache(maxsize=None)
def keypoints(pose_id: str):
    return next(pose.keypoints for pose in generate_catalogue() if pose.pose_id == pose_id)


@lru_cache(maxsize=None)
def rendered(name: str, pose: str, style: str, side: int = 1024, seed: int = SEED) -> Image.Image:
    image, face = source(name)
    return render_face_portrait(image, face, keypoints(POSES.get(pose, pose)), side, style, seed)


@lru_cache(maxsize=None)
def faces_in(name: str, pose: str) -> list[Face]:
    return find_faces(rendered(name, pose, "realistic"), side=1024)


def grey(image: Image.Image, centre: tuple[float, float], width: float) -> np.ndarray:
    half = width / 2
    box = (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)
    return np.asarray(image.convert("L").resize((48, 48), Image.Resampling.BILINEAR, box=box),
                      np.float32)


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / math.sqrt((a * a).sum() * (b * b).sum()))


def likeness(image: Image.Image, face: Face, name: str) -> float:
    """How well the face at `face` in `image` matches `name`'s face in their photo:
    normalised cross-correlation of grey crops, the best over small shifts and scales
    (a detector's box moves a little from one picture of a face to another)."""
    photo, own = source(name)
    reference = grey(photo, own.centre, own.width)
    x, y = face.centre
    return max(ncc(grey(image, (x + dx * face.width, y + dy * face.width), face.width * k),
                   reference)
               for dx in (-0.08, -0.04, 0, 0.04, 0.08) for dy in (-0.08, -0.04, 0, 0.04, 0.08)
               for k in (0.9, 1.0, 1.1))


def other(name: str) -> str:
    return next(person for person in PEOPLE if person != name)


@pytest.mark.parametrize("side", [512, 1024])
@pytest.mark.parametrize("style", STYLE_NAMES)
def test_a_png_of_the_side_asked_for(style, side) -> None:
    image, face = source("astronaut")
    png = face_portrait_png(image, face, keypoints(POSES["front"]), side, style, SEED)
    with Image.open(io.BytesIO(png)) as decoded:
        assert (decoded.format, decoded.mode, decoded.size) == ("PNG", "RGB", (side, side))
    assert rendered("astronaut", "front", style, side).size == (side, side)


def test_the_same_inputs_and_seed_give_the_same_bytes() -> None:
    image, face = source("grace_hopper")
    first = face_portrait_png(image, face, keypoints(POSES["angled"]), 512, "anime", 11)
    assert face_portrait_png(image, face, keypoints(POSES["angled"]), 512, "anime", 11) == first
    assert face_portrait_png(image, face, keypoints(POSES["angled"]), 512, "anime", 12) != first


def test_the_styles_look_different() -> None:
    pictures = {style: np.asarray(rendered("astronaut", "waist", style, 512), np.float32)
                for style in STYLE_NAMES}
    for a in STYLE_NAMES:
        for b in STYLE_NAMES:
            if a < b:
                assert np.abs(pictures[a] - pictures[b]).mean() > 20, (a, b)


@pytest.mark.parametrize("style", STYLE_NAMES)
@pytest.mark.parametrize("pose", sorted(POSES))
@pytest.mark.parametrize("name", PEOPLE)
def test_never_mostly_black(name, pose, style) -> None:
    pixels = np.asarray(rendered(name, pose, style))
    assert (pixels.max(axis=2) < 16).mean() < 0.05


@pytest.mark.parametrize("pose", ["front", "waist"])
@pytest.mark.parametrize("name", PEOPLE)
def test_one_face_where_the_pose_has_its_head(name, pose) -> None:
    faces = faces_in(name, pose)
    assert len(faces) == 1
    nose = keypoints(POSES[pose])[0]
    x, y = faces[0].centre
    assert math.hypot(x - nose[0] * 1024, y - nose[1] * 1024) < 0.6 * faces[0].width
    # In proportion: about as wide as the pose's head (ear to ear), not a sticker.
    ears = math.dist(keypoints(POSES[pose])[16][:2], keypoints(POSES[pose])[17][:2]) * 1024
    assert 0.8 * ears < faces[0].width < 2.0 * ears


@pytest.mark.parametrize("pose", sorted(POSES))
@pytest.mark.parametrize("name", PEOPLE)
def test_the_face_is_this_person_s(name, pose) -> None:
    (face,) = faces_in(name, pose)
    image = rendered(name, pose, "realistic")
    own, theirs = likeness(image, face, name), likeness(image, face, other(name))
    assert own > 0.5 and own > theirs + 0.15, (own, theirs)


@pytest.mark.parametrize("style", ["illustration", "anime"])
@pytest.mark.parametrize("pose", ["waist", "angled"])
@pytest.mark.parametrize("name", PEOPLE)
def test_a_styled_face_is_still_this_person_s(name, pose, style) -> None:
    (face,) = faces_in(name, pose)  # the head is placed alike in every style
    image = rendered(name, pose, style)
    own, theirs = likeness(image, face, name), likeness(image, face, other(name))
    assert own > theirs, (own, theirs)
    # The head stands out from the backdrop: not blurred or toned away into it.
    pixels = np.asarray(image, np.float32)
    x, y, half = round(face.centre[0]), round(face.centre[1]), round(face.width / 4)
    head = pixels[y - half:y + half, x - half:x + half].reshape(-1, 3).mean(axis=0)
    ground = pixels[:40, :40].reshape(-1, 3).mean(axis=0)
    assert np.abs(head - ground).sum() > 60


def test_a_half_body_without_hips_runs_its_torso_off_the_bottom() -> None:
    no_hips = [list(point) for point in keypoints(POSES["waist"])]
    for index in (8, 9, 10, 11, 12, 13):
        no_hips[index] = [0.0, 0.0, 0]
    image, face = source("astronaut")
    pixels = np.asarray(render_face_portrait(image, face, no_hips, 512, "illustration", SEED),
                        np.float32)
    # At the bottom edge the middle is the shirt, not the paper at the side.
    assert np.abs(pixels[-3, 256] - pixels[-3, 5]).sum() > 60


@pytest.mark.parametrize("pose_id", [SIDE_VIEW, SIDE_VIEW + "-mirrored",
                                     "standing-relaxed-angled-waist-mirrored"])
def test_side_and_mirrored_views_render_with_the_head_on_top(pose_id) -> None:
    image, face = source("grace_hopper")
    points = keypoints(pose_id)
    pixels = np.asarray(render_face_portrait(image, face, points, 512, "realistic", SEED),
                        np.float32)
    # Where the pose's head is, the photo's face: her skin, not the grey backdrop.
    x, y = round(points[0][0] * 512), round(points[0][1] * 512)
    r, g, b = pixels[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3).mean(axis=0)
    assert r > b + 25


@pytest.mark.parametrize("bad", [
    [[0.5, 0.5, 2]] * 17,
    [[0.5, 0.5, 2]] * 17 + [[float("nan"), 0.5, 2]],
    [[0.5, 0.5, 2]] * 17 + [[0.5, float("inf"), 2]],
    [[0.5, 0.5, 2]] * 17 + [[0.5, 0.5]],
    [[0.5, 0.5, 2]] * 17 + [["0.5", 0.5, 2]],
    [[0.5, 0.5, 2]] * 17 + [[0.5, 0.5, 3]],
    None,
])
def test_malformed_keypoints_are_refused(bad) -> None:
    image, face = source("astronaut")
    with pytest.raises(ValueError):
        render_face_portrait(image, face, bad, 512, "realistic", SEED)


def test_an_unknown_style_is_refused() -> None:
    image, face = source("astronaut")
    with pytest.raises(ValueError, match="style"):
        render_face_portrait(image, face, keypoints(POSES["front"]), 512, "oil-painting", SEED)
