"""Pose skeletons: OpenPose's colours where the limbs are, black elsewhere, the same bytes
every time."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from portrait.imaging.skeleton import COLOURS, limb_colour, render_skeleton_png
from portrait.poses.catalogue import generate_catalogue
from portrait.poses.keypoints import LIMBS

BLACK = (0, 0, 0)


def _pixels(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


@pytest.fixture(scope="module")
def pose():
    wanted = "hands-on-hips-both-hands-front-full"
    return next(p for p in generate_catalogue() if p.pose_id == wanted)


def _midpoint(keypoints, a: int, b: int, size: int) -> tuple[int, int]:
    (xa, ya, _), (xb, yb, _) = keypoints[a], keypoints[b]
    return round((xa + xb) / 2 * size), round((ya + yb) / 2 * size)


def test_each_limb_is_drawn_in_its_colour_at_its_middle(pose) -> None:
    image = _pixels(render_skeleton_png(pose.keypoints, size=512))
    assert image.size == (512, 512)
    for index, (a, b) in enumerate(LIMBS):
        if index in (13, 15):
            continue  # nose to eye: shorter than the joint dots that cover its middle
        assert image.getpixel(_midpoint(pose.keypoints, a, b, 512)) == limb_colour(index), (a, b)


def test_joints_are_full_colour_dots_and_the_rest_is_black(pose) -> None:
    image = _pixels(render_skeleton_png(pose.keypoints, size=512))
    for index, (x, y, _) in enumerate(pose.keypoints):
        assert image.getpixel((round(x * 512), round(y * 512))) == COLOURS[index], index
    assert image.getpixel((5, 5)) == image.getpixel((506, 506)) == BLACK
    assert image.getcolors(maxcolors=64)[0] is not None
    assert max(image.getcolors(maxcolors=64))[1] == BLACK  # mostly background


def test_absent_points_and_their_limbs_are_not_drawn(pose) -> None:
    without_arm = [list(p) for p in pose.keypoints]
    without_arm[4] = [0.0, 0.0, 0]  # r_wrist
    image = _pixels(render_skeleton_png(without_arm, size=512))
    assert image.getpixel(_midpoint(pose.keypoints, 3, 4, 512)) == BLACK
    assert image.getpixel((0, 0)) == BLACK  # no dot where an absent point "is"
    assert image.getpixel(_midpoint(pose.keypoints, 2, 3, 512)) == limb_colour(2)


def test_rendering_is_deterministic_and_scales(pose) -> None:
    assert render_skeleton_png(pose.keypoints) == render_skeleton_png(pose.keypoints)
    small = _pixels(render_skeleton_png(pose.keypoints, size=128))
    assert small.size == (128, 128)
    assert small.getpixel(_midpoint(pose.keypoints, 1, 8, 128)) == limb_colour(6)  # neck-r_hip


@pytest.mark.parametrize("size", [32, 4096])
def test_sizes_out_of_range_are_refused(pose, size) -> None:
    with pytest.raises(ValueError):
        render_skeleton_png(pose.keypoints, size=size)
