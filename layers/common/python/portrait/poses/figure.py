"""A posable 3D stick figure, photographed: joint angles in, COCO-18 keypoints out.

Poses are described the way a photographer directs them (raise the arm, swing
it forward, lean, turn the head) rather than as coordinates, so one base pose
yields many consistent variants. The body is built in 3D (x to the figure's
left as seen by the camera, y down, z towards the camera; unit = the torso,
neck to the hips' middle), turned by the camera angle, projected
orthographically and framed in a square. Proportions are adult averages
(an ~7.5-head figure). Pure and deterministic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from portrait.poses.keypoints import ABSENT, COUNT, OCCLUDED, VISIBLE, Keypoint

UPPER_ARM, FOREARM, THIGH, SHIN = 0.46, 0.40, 0.64, 0.62
SHOULDER_HALF_WIDTH, HIP_HALF_WIDTH = 0.27, 0.16
HEAD_CENTRE_ABOVE_NECK = 0.30
# Head points relative to the head's centre (x to the figure's left, y down, z forward).
_HEAD = {0: (0.0, 0.03, 0.13), 14: (-0.06, -0.03, 0.10), 15: (0.06, -0.03, 0.10),
         16: (-0.13, 0.0, -0.01), 17: (0.13, 0.0, -0.01)}
_HEAD_TOP = 0.17  # the crown above the head's centre: the frame keeps it
_FOOT_BELOW_ANKLE = 0.10

Vec = tuple[float, float, float]


@dataclass(frozen=True)
class Limb:
    """One segment's direction: `raise_` degrees up from hanging straight down (90 is
    horizontal, 180 straight up); `swing` the horizontal heading once raised, 0 sideways
    out, 90 forward, -90 back, 180 across the body. `length` scales it (foreshortening
    done in 3D needs no scaling; this is for bent wrists and the like)."""

    raise_: float = 0.0
    swing: float = 0.0
    length: float = 1.0


@dataclass(frozen=True)
class Side:
    upper: Limb = Limb(8, 0)  # upper arm, or thigh
    lower: Limb = Limb(12, 60)  # forearm, or shin


@dataclass(frozen=True)
class Figure:
    right_arm: Side = Side()
    left_arm: Side = Side()
    right_leg: Side = Side(Limb(3, 0), Limb(2, 0))
    left_leg: Side = Side(Limb(3, 0), Limb(2, 0))
    lean: float = 0.0  # torso sideways, degrees; positive towards the figure's left
    bend: float = 0.0  # torso forwards, degrees (negative: leaning back)
    hip_shift: float = 0.0  # contrapposto: the figure's left hip this much higher (torso units)
    head_tilt: float = 0.0  # degrees, towards the figure's left shoulder
    head_turn: float = 0.0  # degrees, towards the figure's left
    head_nod: float = 0.0  # degrees, chin down


def _direction(limb: Limb, side: float) -> Vec:
    r, s = math.radians(limb.raise_), math.radians(limb.swing)
    return (side * math.sin(r) * math.cos(s), math.cos(r), math.sin(r) * math.sin(s))


def _add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + b[0] * k, a[1] + b[1] * k, a[2] + b[2] * k)


def _rotate(p: Vec, *, roll: float = 0.0, pitch: float = 0.0, yaw: float = 0.0,
            about: Vec = (0.0, 0.0, 0.0)) -> Vec:
    """Rotate about `about`: roll in the picture plane (towards +x), pitch forwards
    (top towards the camera), yaw about the vertical (front turning towards +x)."""
    x, y, z = p[0] - about[0], p[1] - about[1], p[2] - about[2]
    if roll:
        c, s = math.cos(math.radians(roll)), math.sin(math.radians(roll))
        x, y = x * c - y * s, x * s + y * c
    if pitch:
        c, s = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
        y, z = y * c + z * s, -y * s + z * c
    if yaw:
        c, s = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
        x, z = x * c + z * s, -x * s + z * c
    return (x + about[0], y + about[1], z + about[2])


def build(figure: Figure) -> dict[int, Vec]:
    """The 18 joints in body space (hips' middle at the origin)."""
    joints: dict[int, Vec] = {8: (-HIP_HALF_WIDTH, figure.hip_shift / 2, 0.0),
                              11: (HIP_HALF_WIDTH, -figure.hip_shift / 2, 0.0)}
    # Upper body: built upright, then bent and leaned about the hips.
    upper = {1: (0.0, -1.0, 0.0), 2: (-SHOULDER_HALF_WIDTH, -0.96, 0.0),
             5: (SHOULDER_HALF_WIDTH, -0.96, 0.0)}
    head_centre = (0.0, -1.0 - HEAD_CENTRE_ABOVE_NECK, 0.0)
    for index, offset in _HEAD.items():
        point = _add(head_centre, offset)
        point = _rotate(point, pitch=-figure.head_nod, yaw=figure.head_turn, about=head_centre)
        upper[index] = _rotate(point, roll=figure.head_tilt, about=(0.0, -1.0, 0.0))
    # Shoulders counter the hips a little (contrapposto), as bodies do.
    upper[2] = _add(upper[2], (0.0, figure.hip_shift * -0.3, 0.0))
    upper[5] = _add(upper[5], (0.0, figure.hip_shift * 0.3, 0.0))
    for index, point in upper.items():
        joints[index] = _rotate(point, roll=figure.lean, pitch=figure.bend)
    for side, shoulder, arm in ((-1.0, 2, figure.right_arm), (1.0, 5, figure.left_arm)):
        elbow = _add(joints[shoulder], _direction(arm.upper, side), UPPER_ARM * arm.upper.length)
        joints[shoulder + 1] = elbow
        joints[shoulder + 2] = _add(elbow, _direction(arm.lower, side), FOREARM * arm.lower.length)
    for side, hip, leg in ((-1.0, 8, figure.right_leg), (1.0, 11, figure.left_leg)):
        knee = _add(joints[hip], _direction(leg.upper, side), THIGH * leg.upper.length)
        joints[hip + 1] = knee
        joints[hip + 2] = _add(knee, _direction(leg.lower, side), SHIN * leg.lower.length)
    return joints


def photograph(joints: dict[int, Vec], *, yaw: float) -> list[Keypoint]:
    """Body-space joints seen from a camera `yaw` degrees round to the figure's left:
    (x, y) in body units, not yet framed. The face turned away hides its far side:
    past 30 degrees the far ear (detectors then report nothing), past 60 the far eye
    (behind the bridge of the nose, so occluded)."""
    seen = {i: _rotate(p, yaw=-yaw) for i, p in joints.items()}
    nose, r_ear, l_ear = seen[0], seen[16], seen[17]
    facing = math.degrees(math.atan2(nose[0] - (r_ear[0] + l_ear[0]) / 2,
                                     nose[2] - (r_ear[2] + l_ear[2]) / 2))
    far_eye, far_ear = (15, 17) if facing > 0 else (14, 16)  # turning to +x hides the left
    visibility = {i: VISIBLE for i in seen}
    if abs(facing) > 30:
        visibility[far_ear] = ABSENT
    if abs(facing) > 60:
        visibility[far_eye] = OCCLUDED
    return [(seen[i][0], seen[i][1], visibility[i]) for i in range(COUNT)]


@dataclass(frozen=True)
class Framing:
    """What the shot keeps: down to `bottom` ('feet', 'knees', 'hips'), the figure filling
    `fill` of the frame, its centre at `centre_x` of the frame's width."""

    bottom: str = "feet"
    fill: float = 0.86
    centre_x: float = 0.5


def frame(points: list[Keypoint], framing: Framing) -> tuple[Keypoint, ...]:
    """Fit the shot into a unit square; what falls below its bottom edge is absent."""
    ys = [p[1] for p in points if p[2] != ABSENT]
    top = min(ys) - _HEAD_TOP
    if framing.bottom == "feet":  # the lowest point: a kneeling knee may be below the ankles
        bottom = max(ys) + _FOOT_BELOW_ANKLE
    elif framing.bottom == "knees":
        bottom = max(points[i][1] for i in (9, 12)) + 0.18
    else:
        bottom = max(points[i][1] for i in (8, 11)) + 0.22
    kept = [p for p in points if p[2] != ABSENT and p[1] <= bottom]
    left, right = min(p[0] for p in kept), max(p[0] for p in kept)
    scale = framing.fill / max(bottom - top, right - left)
    # Vertically the shot's bottom edge is the frame's (a cut-off figure runs out of the
    # frame); a full figure stands with its head room and foot room equal.
    offset_y = 1.0 - bottom * scale if framing.bottom != "feet" else (
        (1.0 - (bottom - top) * scale) / 2 - top * scale)
    offset_x = framing.centre_x - (left + right) / 2 * scale
    framed = []
    for p in points:
        if p[2] == ABSENT or p[1] > bottom:
            framed.append((0.0, 0.0, ABSENT))
            continue
        x, y = p[0] * scale + offset_x, p[1] * scale + offset_y
        inside = 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0
        framed.append((round(x, 4), round(y, 4), p[2]) if inside else (0.0, 0.0, ABSENT))
    return tuple(framed)


def pose_keypoints(figure: Figure, *, yaw: float = 0.0, framing: Framing = Framing()
                   ) -> tuple[Keypoint, ...]:
    return frame(photograph(build(figure), yaw=yaw), framing)
