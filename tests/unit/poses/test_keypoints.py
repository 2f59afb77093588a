"""Keypoint validation: shape, ranges and anatomy, each problem naming its point."""
from __future__ import annotations

import pytest
from portrait.poses.keypoints import (
    ABSENT,
    COUNT,
    NAMES,
    InvalidKeypoints,
    mirrored,
    validate_keypoints,
)

# A front-facing figure, torso 0.3 of the frame.
STANDING = [
    [0.5, 0.16, 2], [0.5, 0.25, 2], [0.42, 0.26, 2], [0.40, 0.40, 2], [0.39, 0.52, 2],
    [0.58, 0.26, 2], [0.60, 0.40, 2], [0.61, 0.52, 2], [0.45, 0.55, 2], [0.44, 0.74, 2],
    [0.44, 0.92, 2], [0.55, 0.55, 2], [0.56, 0.74, 2], [0.56, 0.92, 2], [0.48, 0.14, 2],
    [0.52, 0.14, 2], [0.46, 0.15, 2], [0.54, 0.15, 2],
]


def _with(index: int, point) -> list:
    points = [list(p) for p in STANDING]
    points[index] = point
    return points


def _problems(raw) -> list[dict]:
    with pytest.raises(InvalidKeypoints) as caught:
        validate_keypoints(raw)
    assert caught.value.code == "invalid_keypoints"
    return caught.value.details["problems"]


def test_a_plausible_pose_passes_and_absent_points_lose_their_position() -> None:
    points = validate_keypoints(_with(17, [0.9, 0.9, 0]))
    assert len(points) == COUNT and points[17] == (0.0, 0.0, ABSENT)
    assert points[4] == (0.39, 0.52, 2)


@pytest.mark.parametrize("raw", [STANDING[:17], STANDING + [[0.5, 0.5, 2]], [], "18 points", None])
def test_exactly_18_keypoints(raw) -> None:
    problem, = _problems(raw)
    assert problem["keypoint"] is None and "exactly 18" in problem["message"]


@pytest.mark.parametrize("index, point, says", [
    (4, [1.3, 0.5, 2], "outside the frame"),
    (9, [0.4, -0.01, 1], "outside the frame"),
    (6, [0.6, 0.4, 3], "v must be 0, 1 or 2"),
    (7, [0.6, 0.4], "[x, y, v]"),
    (2, ["0.4", 0.3, 2], "[x, y, v]"),
    (3, [0.4, 0.4, True], "[x, y, v]"),
])
def test_a_bad_point_is_named(index, point, says) -> None:
    problem, = _problems(_with(index, point))
    assert problem["keypoint"] == index and problem["name"] == NAMES[index]
    assert says in problem["message"] and NAMES[index] in problem["message"]


def test_every_bad_point_is_reported_and_the_message_says_how_many() -> None:
    raw = _with(4, [1.5, 0.5, 2])
    raw[10] = [0.4, 2.0, 2]
    with pytest.raises(InvalidKeypoints) as caught:
        validate_keypoints(raw)
    assert [p["keypoint"] for p in caught.value.details["problems"]] == [4, 10]
    assert "and 1 more" in caught.value.message


def test_the_neck_is_required() -> None:
    problem, = _problems(_with(1, [0.0, 0.0, 0]))
    assert problem["name"] == "neck"


def test_too_few_visible_points() -> None:
    raw = [[x, y, 1] for x, y, _ in STANDING]  # all occluded
    assert "visible" in _problems(raw)[0]["message"]


def test_an_absurd_limb_is_rejected_by_the_torso_it_is_measured_against() -> None:
    problem, = _problems(_with(4, [0.05, 0.95, 2]))  # a forearm across the whole frame
    assert problem["keypoint"] == 4 and "r_elbow-r_wrist" in problem["message"]
    assert "x the torso" in problem["message"]


def test_a_head_far_from_the_neck_is_rejected() -> None:
    raw = _with(0, [0.9, 0.05, 2])
    for i in (14, 15, 16, 17):
        raw[i] = [0.0, 0.0, 0]
    problem, = _problems(raw)
    assert problem["name"] == "nose"


def test_a_speck_is_not_a_pose() -> None:
    tiny = [[0.5 + (x - 0.5) * 0.05, 0.5 + (y - 0.5) * 0.05, v] for x, y, v in STANDING]
    assert "of the frame" in _problems(tiny)[0]["message"]


def test_without_hips_the_shoulders_measure_the_body() -> None:
    waist_up = [p if i not in (8, 9, 10, 11, 12, 13) else [0, 0, 0] for i, p in enumerate(STANDING)]
    assert validate_keypoints(waist_up)[8][2] == ABSENT
    no_measure = [p if i not in (5, 8, 11) else [0, 0, 0] for i, p in enumerate(waist_up)]
    assert "cannot be measured" in _problems(no_measure)[0]["message"]


def test_mirroring_flips_x_and_swaps_sides_and_twice_is_identity() -> None:
    points = validate_keypoints(STANDING)
    flipped = mirrored(points)
    # The right shoulder is where the left one was, mirrored.
    assert flipped[2] == pytest.approx((1 - points[5][0], points[5][1], 2))
    assert flipped[0] == pytest.approx((0.5, 0.16, 2))
    twice = mirrored(flipped)
    assert [(round(x, 9), round(y, 9), v) for x, y, v in twice] == list(points)
