"""COCO-18 keypoints (OpenPose's order) and the checks a pose template must pass.

A keypoint is [x, y, v]: x and y normalised to 0..1 of a square frame (origin
top-left), v 0 absent, 1 occluded, 2 visible. The checks are about what a
ControlNet-style renderer can use: a body it can measure (the neck and a torso
or shoulders), enough visible points, and no limb so long that the skeleton
is not a human one. Pure: no I/O.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from portrait.errors import InvalidInput

NAMES = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear", "l_ear",
)
COUNT = len(NAMES)
ABSENT, OCCLUDED, VISIBLE = 0, 1, 2
NECK, R_SHOULDER, L_SHOULDER, R_HIP, L_HIP = 1, 2, 5, 8, 11

# OpenPose's limbs (its limbSeq, 0-based), in its drawing order: the colour of
# limb i is COLOURS[i], as ControlNet's openpose preprocessor draws them.
LIMBS = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10),
    (1, 11), (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)
# A left keypoint's right counterpart and back: mirroring a pose swaps them.
MIRROR = tuple(NAMES.index(n.replace("r_", "@").replace("l_", "r_").replace("@", "l_"))
               for n in NAMES)

MIN_VISIBLE = 8  # fewer says too little about the body for a pose template
MIN_BODY_SCALE = 0.03  # of the frame: smaller is a speck, not a template
# No limb may be longer than this multiple of the body scale (see _body_scale).
# Anatomy gives thigh/torso ~0.65; the slack covers foreshortened torsos.
MAX_LIMB_RATIO = 1.6
_HEAD_LIMBS = {(1, 0): 1.0, (0, 14): 0.6, (14, 16): 0.6, (0, 15): 0.6, (15, 17): 0.6}

Keypoint = tuple[float, float, int]


class InvalidKeypoints(InvalidInput):
    """400; the reply's `problems` lists every one: [{"keypoint": index or None, "name",
    "message"}], so a pose editor can mark the points."""

    code = "invalid_keypoints"
    exposed = ("problems",)


def _problem(index: int | None, message: str) -> dict[str, Any]:
    name = NAMES[index] if index is not None else None
    return {"keypoint": index, "name": name, "message": message}


def _describe(index: int) -> str:
    return f"keypoint {index} ({NAMES[index]})"


def _shape_problems(raw: Any) -> tuple[list[Keypoint], list[dict]]:
    if not isinstance(raw, (list, tuple)) or len(raw) != COUNT:
        size = len(raw) if isinstance(raw, (list, tuple)) else type(raw).__name__
        return [], [_problem(None, f"a pose has exactly {COUNT} keypoints (COCO-18), not {size}")]
    points, problems = [], []
    for i, point in enumerate(raw):
        if (not isinstance(point, (list, tuple)) or len(point) != 3
                or any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in point)):
            problems.append(_problem(i, f"{_describe(i)} must be [x, y, v] numbers"))
            continue
        x, y, v = float(point[0]), float(point[1]), point[2]
        if v not in (ABSENT, OCCLUDED, VISIBLE):
            problems.append(_problem(i, f"{_describe(i)}: v must be 0, 1 or 2, not {v}"))
        elif v != ABSENT and not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            problems.append(_problem(i, f"{_describe(i)}: ({x:g}, {y:g}) is outside the frame "
                                        "(x and y are 0..1)"))
        # An absent point has no position: normalised so equal poses compare equal.
        points.append((x, y, int(v)) if v != ABSENT else (0.0, 0.0, ABSENT))
    return points, problems


def present(point: Keypoint) -> bool:
    return point[2] != ABSENT


def distance(a: Keypoint, b: Keypoint) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _body_scale(points: Sequence[Keypoint]) -> float | None:
    """The body's size: the torso (neck to the hips' middle), or 1.5 x the shoulder span
    if that is larger (a torso bent towards the camera looks short); None if unmeasurable."""
    neck = points[NECK]
    hips = [points[i] for i in (R_HIP, L_HIP) if present(points[i])]
    torso = 0.0
    if hips:
        mid = (sum(h[0] for h in hips) / len(hips), sum(h[1] for h in hips) / len(hips), VISIBLE)
        torso = distance(neck, mid)
    shoulders = [points[i] for i in (R_SHOULDER, L_SHOULDER)]
    span = distance(*shoulders) if all(present(s) for s in shoulders) else 0.0
    if not hips and not span:
        return None
    return max(torso, 1.5 * span)


def _anatomy_problems(points: Sequence[Keypoint]) -> list[dict]:
    if not present(points[NECK]):
        return [_problem(NECK, f"{_describe(NECK)} is required: every limb is measured from it")]
    problems = []
    visible = sum(1 for p in points if p[2] == VISIBLE)
    if visible < MIN_VISIBLE:
        problems.append(_problem(None, f"only {visible} keypoints are visible (v=2); "
                                       f"a pose needs at least {MIN_VISIBLE}"))
    scale = _body_scale(points)
    if scale is None:
        return problems + [_problem(R_HIP, "the body cannot be measured: a pose needs a hip "
                                           "or both shoulders")]
    if scale < MIN_BODY_SCALE:
        return problems + [_problem(NECK, f"the body is {scale:.3f} of the frame; at least "
                                          f"{MIN_BODY_SCALE} is needed")]
    for a, b in LIMBS:
        if not (present(points[a]) and present(points[b])):
            continue
        limit = _HEAD_LIMBS.get((a, b), MAX_LIMB_RATIO)
        ratio = distance(points[a], points[b]) / scale
        if ratio > limit:
            problems.append(_problem(b, f"{_describe(b)}: the limb {NAMES[a]}-{NAMES[b]} is "
                                        f"{ratio:.1f} x the torso (at most {limit:g} x)"))
    return problems


def validate_keypoints(raw: Any) -> tuple[Keypoint, ...]:
    """The keypoints as (x, y, v) tuples, absent ones as (0, 0, 0); InvalidKeypoints naming
    every bad point otherwise."""
    points, problems = _shape_problems(raw)
    if not problems:
        problems = _anatomy_problems(points)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise InvalidKeypoints(problems[0]["message"] + more, problems=problems)
    return tuple(points)


def mirrored(points: Sequence[Keypoint]) -> tuple[Keypoint, ...]:
    """The pose flipped left to right: x mirrored, and left and right keypoints swapped so
    the labels still name the body's own sides."""
    flipped = [(1.0 - x, y, v) if v != ABSENT else (0.0, 0.0, ABSENT) for x, y, v in points]
    return tuple(flipped[MIRROR[i]] for i in range(COUNT))
