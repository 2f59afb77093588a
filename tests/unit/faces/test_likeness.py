"""The likeness check: face embeddings from real photos, the pose's head region, and the
draw-check-redraw loop, on bytes (no AWS)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portrait.errors import RenderFailed
from portrait.imaging.face_portrait import face_portrait_png
from portrait.imaging.faces import PHOTO_SIDE, find_faces
from portrait.imaging.likeness import Embedding, embed, head_region, portrait_likeness
from portrait.poses.catalogue import generate_catalogue
from portrait.rendering.likeness import LikenessPolicy, attempt_seed, render_until_alike

from . import photos

POSE = [list(p) for p in generate_catalogue()[0].keypoints]


def _reference(name: str) -> tuple[Image.Image, object, Embedding]:
    photo = photos.photo(name)
    [face] = find_faces(photo, side=PHOTO_SIDE)
    return photo, face, embed(photo, face)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_face_is_itself_and_two_people_are_not_alike() -> None:
    _, _, astronaut = _reference("astronaut")
    _, _, hopper = _reference("grace_hopper")
    assert len(astronaut.values) == 128
    assert astronaut.similarity(astronaut) == pytest.approx(1.0)
    assert astronaut.similarity(hopper) < 0.93


def test_the_head_region_follows_the_pose_and_needs_a_nose_and_a_neck() -> None:
    left, top, right, bottom = head_region(POSE, 512)
    nose_x, nose_y = POSE[0][0] * 512, POSE[0][1] * 512
    assert left < nose_x < right and top < nose_y < bottom and right - left < 200
    headless = [list(p) for p in POSE]
    headless[0] = [0, 0, 0]
    assert head_region(headless, 512) is None


def test_a_portrait_of_the_person_scores_high_and_of_someone_else_low() -> None:
    photo, face, astronaut = _reference("astronaut")
    portrait = Image.open(io.BytesIO(face_portrait_png(photo, face, POSE, 512, "anime", 1)))
    assert portrait_likeness(portrait.convert("RGB"), POSE, astronaut) >= 0.93
    _, _, hopper = _reference("grace_hopper")
    assert portrait_likeness(portrait.convert("RGB"), POSE, hopper) < 0.93
    assert portrait_likeness(photos.noise((512, 512)), POSE, astronaut) is None


def test_the_loop_keeps_the_first_alike_render_and_redraws_with_new_seeds() -> None:
    photo, face, astronaut = _reference("astronaut")
    other, other_face, _ = _reference("grace_hopper")
    seeds = []

    def draw(seed: int) -> bytes:  # someone else first, then the person
        seeds.append(seed)
        who, box = (other, other_face) if len(seeds) == 1 else (photo, face)
        return face_portrait_png(who, box, POSE, 512, "realistic", seed)

    policy = LikenessPolicy(threshold=0.93, attempts=3, require_face=True)
    png, seed, likeness = render_until_alike(draw, reference=astronaut, keypoints=POSE,
                                             seed=42, policy=policy)
    assert seeds == [42, attempt_seed(42, 1)] and seed == seeds[1]
    assert likeness.attempts == 2 and likeness.score >= 0.93 and likeness.threshold == 0.93
    assert png == draw(seed)


@pytest.mark.parametrize("require_face", [True, False])
def test_no_face_fails_a_model_and_is_not_measured_for_the_face_renderer(require_face) -> None:
    _, _, astronaut = _reference("astronaut")
    policy = LikenessPolicy(threshold=0.93, attempts=2, require_face=require_face)
    blank = _png(photos.noise((512, 512)))
    if require_face:
        with pytest.raises(RenderFailed) as failed:
            render_until_alike(lambda seed: blank, reference=astronaut, keypoints=POSE, seed=1,
                               policy=policy)
        assert failed.value.reason == "likeness_too_low"
        assert "after 2 tries (no face was found, 0.93 needed)" in failed.value.message
    else:
        _, _, likeness = render_until_alike(lambda seed: blank, reference=astronaut,
                                            keypoints=POSE, seed=1, policy=policy)
        assert likeness.score is None and likeness.attempts == 1
