"""The body of a face portrait, drawn from a COCO-18 pose, and where its head goes.

A skeleton alone is lines; a person needs volume. The figure is built from the
keypoints with adult proportions taken from the torso (neck to the hips' middle, the
one length every catalogue pose shows well): a shirt-coloured torso, tapered capsules
for the limbs, a neck, hands and shoes. Each garment (an arm, the trousers) is inked
as a whole before it is filled, so an arm across the chest keeps its outline while its
own elbow does not. The side turned away (an occluded eye, a missing ear) is drawn
behind the torso, darker. Beside the colours, the painter draws a relief map (each
shape again, shrunk and moved towards the light) that shading() turns into light.

Pure: Pillow and numpy, no I/O.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from portrait.poses.keypoints import NAMES

I = {name: index for index, name in enumerate(NAMES)}  # noqa: E741 - read "index of"
Point = tuple[float, float]
Colour = tuple[int, int, int]

# Proportions, as shares of the torso length (an adult's: upper arm ~9 cm across on a
# ~50 cm torso, thigh ~13 cm at the top).
ARM_RADII = (0.085, 0.068, 0.05)  # at the shoulder, the elbow, the wrist
LEG_RADII = (0.13, 0.095, 0.062)  # at the hip, the knee, the ankle
MIN_SHOULDER_HALF, MIN_HIP_HALF = 0.2, 0.17  # a body seen side-on is still this wide
TORSO_PER_SPAN = 1.85  # neck-to-hips per shoulder span in the catalogue's front poses
LIMB_REACH = 0.9  # a limb whose far joint is out of the frame runs on this far (down)
HAND = (0.075, 0.05)  # half-length, half-width
FOOT = (0.1, 0.21, 0.055)  # half-length facing the camera, side-on; half-height
NECK_SHARE = 0.27  # the neck's radius per face width: it tucks under the jaw
# The face box's width per measure of the pose's head (real faces: ear to ear ~ cheek
# to cheek ~ 2.3 eye spans ~ the neck-to-nose drop), drawn a little larger than anatomy
# (a portrait is about the face: it must read at a glance), within this share of the
# torso (an odd head keypoint makes neither a giant nor a pin).
FACE_PER = {"ears": 1.0, "eyes": 2.3, "neck": 1.0}
FACE_EMPHASIS, FACE_SHARE_OF_TORSO, FACE_PER_SPAN = 1.15, (0.25, 0.5), 0.55
HEAD_DROP = 0.1  # face widths down the spine: the chin meets the neck, not above it
MAX_TILT = 40.0  # degrees
FAR_DARK, INK_DARK = 0.82, 0.7  # the far side's colour; an edge's without an ink
LIGHT = (-0.6, -0.8)  # towards the light: the upper left
FORM_STEPS, FORM_SHRINK, FORM_SHIFT = 10, 0.75, 0.35  # the relief: nested, shrunk, moved


class Colours(NamedTuple):
    shirt: Colour
    trousers: Colour
    skin: Colour
    shoes: Colour


@dataclass(frozen=True)
class HeadPlace:
    centre: Point  # where the photo's face-box centre goes
    face_width: float  # the face box's width there
    angle: float  # degrees, clockwise on screen


def _add(a: Point, b: Point, k: float = 1.0) -> Point:
    return a[0] + k * b[0], a[1] + k * b[1]


def _at(origin: Point, across: Point, a: float, down: Point, d: float) -> Point:
    """`a` along `across` and `d` along `down` from `origin`: the body's own axes."""
    return origin[0] + a * across[0] + d * down[0], origin[1] + a * across[1] + d * down[1]


def _dist(a: Point, b: Point) -> float:
    return math.hypot(b[0] - a[0], b[1] - a[1])


def _unit(v: Point) -> Point:
    length = math.hypot(*v) or 1.0
    return v[0] / length, v[1] / length


def _mean(points) -> Point | None:
    points = [p for p in points if p is not None]
    return (sum(p[0] for p in points) / len(points),
            sum(p[1] for p in points) / len(points)) if points else None


@dataclass(frozen=True)
class Body:
    """The pose in pixels of a canvas `side` wide, with the measures every shape needs."""

    p: tuple[Point | None, ...]  # None: absent
    side: float
    neck: Point
    torso: float
    down: Point  # unit, neck to hips
    across: Point  # unit, the body's right shoulder to its left
    far: str | None  # "r_" or "l_": the side turned away
    sideways: float  # 0 facing the camera .. 1 side-on

    @classmethod
    def of(cls, keypoints: list[tuple[float, float, int]], side: float) -> Body:
        p = tuple((x * side, y * side) if v else None for x, y, v in keypoints)
        rs, ls, nose = p[I["r_shoulder"]], p[I["l_shoulder"]], p[I["nose"]]
        span = _dist(rs, ls) if rs and ls else 0.0
        neck = (p[I["neck"]] or _mean([rs, ls]) or (nose and _add(nose, (0, 0.1 * side)))
                or (0.5 * side, 0.3 * side))
        hips = _mean([p[I["r_hip"]], p[I["l_hip"]]])
        # A torso bent towards the camera looks short: the shoulders then tell its size.
        torso = max(_dist(neck, hips), 1.2 * span) if hips else TORSO_PER_SPAN * span
        torso = max(torso or 0.3 * side, 0.06 * side)
        if hips and _dist(neck, hips) > 0.3 * torso:
            down = _unit((hips[0] - neck[0], hips[1] - neck[1]))
        elif span:  # square to the shoulders, pointing down the picture
            down = _unit((rs[1] - ls[1], ls[0] - rs[0]))
            down = down if down[1] >= 0 else (-down[0], -down[1])
        else:
            down = (0.0, 1.0)
        across = (_unit((ls[0] - rs[0], ls[1] - rs[1])) if span > 0.25 * torso
                  else (down[1], -down[0]))
        sideways = max(0.0, min(1.0, 1.0 - span / (0.54 * torso)))
        seen = {s: sum(keypoints[I[s + n]][2] for n in ("eye", "ear", "shoulder", "hip"))
                for s in ("r_", "l_")}
        far = min(seen, key=seen.get) if sideways > 0.4 and seen["r_"] != seen["l_"] else None
        return cls(p, side, neck, torso, down, across, far, sideways)

    def head(self) -> HeadPlace:
        """Where the face goes: among the head's points, as large as they say, tilted
        as the eye line (or the ear line) is."""
        p = self.p
        eyes, ears = [p[I["r_eye"]], p[I["l_eye"]]], [p[I["r_ear"]], p[I["l_ear"]]]
        # The face box's centre lies between the eyes and the nose tip; the ears pull it
        # back to the skull's middle in a side view, where the nose is at the head's edge.
        centre = _mean([p[I["nose"]], _mean(eyes), _mean(ears)])
        measures = [_dist(*pair) * FACE_PER[name] for name, pair in (("ears", ears), ("eyes", eyes))
                    if all(pair)]
        if p[I["nose"]]:
            measures.append(_dist(self.neck, p[I["nose"]]) * FACE_PER["neck"])
        shoulders = [p[I["r_shoulder"]], p[I["l_shoulder"]]]
        if not measures and all(shoulders):
            measures.append(_dist(*shoulders) * FACE_PER_SPAN)
        low, high = (share * self.torso for share in FACE_SHARE_OF_TORSO)
        # A turned head only shortens spans on screen: the longest measure is the truest.
        width = min(high, max(low, FACE_EMPHASIS * max(measures, default=0.28 * self.torso)))
        centre = (_add(centre, self.down, HEAD_DROP * width) if centre
                  else _add(self.neck, self.down, -0.95 * width))
        angle = 0.0
        for a, b in (eyes, ears):
            if a and b and _dist(a, b) > 0.05 * width:
                dx, dy = (b[0] - a[0], b[1] - a[1]) if b[0] >= a[0] else (a[0] - b[0], a[1] - b[1])
                angle = max(-MAX_TILT, min(MAX_TILT, math.degrees(math.atan2(dy, dx))))
                break
        return HeadPlace(centre, width, angle)


def _ellipse(centre: Point, axis: Point, half_length: float, half_width: float) -> list[Point]:
    ux, uy = _unit(axis)
    return [(centre[0] + ux * half_length * math.cos(t) - uy * half_width * math.sin(t),
             centre[1] + uy * half_length * math.cos(t) + ux * half_width * math.sin(t))
            for t in (2 * math.pi * k / 20 for k in range(20))]


class Painter:
    """Shapes on an RGB canvas, their coverage (mask) and their relief (form: 0 at a
    shape's edge up to 255 along a ridge nearer the light, so shapes overlapping keep
    their own). A group is inked whole (grown by the ink width) before it is filled.
    Shapes: ("cap", a, b, radius at a, radius at b, colour) or ("poly", points, colour)."""

    def __init__(self, side: int, ink: Colour | None, ink_width: float):
        self.paint = Image.new("RGB", (side, side))
        self.mask, self.form = Image.new("L", (side, side)), Image.new("L", (side, side))
        self._paint, self._mask, self._form = (ImageDraw.Draw(image) for image in
                                               (self.paint, self.mask, self.form))
        self.ink, self.ink_width = ink, ink_width

    def group(self, shapes: list[tuple]) -> None:
        for shape in shapes:
            ink = self.ink or tuple(int(c * INK_DARK) for c in shape[-1])
            for draw, fill in ((self._paint, ink), (self._mask, 255), (self._form, 0)):
                self._shape(draw, shape, self.ink_width, 1.0, (0.0, 0.0), fill)
        for shape in shapes:
            for draw, fill in ((self._paint, shape[-1]), (self._mask, 255)):
                self._shape(draw, shape, 0.0, 1.0, (0.0, 0.0), fill)
            if shape[0] == "cap":
                size = shape[3]
            else:  # half the smaller side of the polygon's box
                xs, ys = [x for x, _ in shape[1]], [y for _, y in shape[1]]
                size = min(max(xs) - min(xs), max(ys) - min(ys)) / 2
            for k in range(FORM_STEPS):
                t = k / FORM_STEPS
                self._shape(self._form, shape, 0.0, 1.0 - FORM_SHRINK * t,
                            (LIGHT[0] * FORM_SHIFT * t * size, LIGHT[1] * FORM_SHIFT * t * size),
                            round(255 * ((k + 1) / FORM_STEPS) ** 0.6))

    @staticmethod
    def _shape(draw, shape: tuple, grow: float, scale: float, offset: Point, fill) -> None:
        if shape[0] == "poly":
            c = _mean(shape[1])
            points = [(c[0] + (x - c[0]) * scale + offset[0], c[1] + (y - c[1]) * scale + offset[1])
                      for x, y in shape[1]]
            if grow:
                draw.line(points + points[:1], fill=fill, width=round(2 * grow), joint="curve")
            draw.polygon(points, fill=fill)
            return
        a, b = _add(shape[1], offset), _add(shape[2], offset)  # two circles, the quad between
        ra, rb = shape[3] * scale + grow, shape[4] * scale + grow
        nx, ny = _unit((a[1] - b[1], b[0] - a[0]))
        draw.polygon([(a[0] + nx * ra, a[1] + ny * ra), (b[0] + nx * rb, b[1] + ny * rb),
                      (b[0] - nx * rb, b[1] - ny * rb), (a[0] - nx * ra, a[1] - ny * ra)],
                     fill=fill)
        for (x, y), r in ((a, ra), (b, rb)):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def _limb(body: Body, a: Point, b: Point | None, c: Point | None, radii, colour: Colour,
          end: tuple[Colour, str]) -> list[tuple]:
    """A limb's two capsules and its hand or foot (`end`: its colour and "hand"/"foot").
    A missing middle joint runs on down the body; a missing shin runs on down the picture
    (both are out of the frame); a missing forearm is left out."""
    t = body.torso
    b = b or _add(a, body.down, LIMB_REACH * t)
    shapes = [("cap", a, b, radii[0] * t, radii[1] * t, colour)]
    if c is None and end[1] == "hand":
        return shapes
    shapes.append(("cap", b, c or _add(b, (0.0, 1.0), LIMB_REACH * t), radii[1] * t, radii[2] * t,
                   colour))
    if c is None:
        return shapes
    if end[1] == "hand":
        axis = _unit((c[0] - b[0], c[1] - b[1]))
        shapes.append(("poly", _ellipse(_add(c, axis, HAND[0] * t), axis, HAND[0] * t,
                                        HAND[1] * t), end[0]))
    else:  # a shoe: short facing the camera, long and pointing the face's way side-on
        nose = body.p[I["nose"]]
        facing = math.copysign(body.sideways, nose[0] - body.neck[0]) if nose else 0.0
        half = (FOOT[0] + (FOOT[1] - FOOT[0]) * body.sideways) * t
        centre = _add(_add(c, (facing * half * 0.6, 0.0)), body.down, radii[2] * t * 0.6)
        shapes.append(("poly", _ellipse(centre, (1.0, 0.0), half, FOOT[2] * t), end[0]))
    return shapes


def draw_figure(body: Body, head: HeadPlace, colours: Colours, painter: Painter) -> None:
    """The figure, back to front: the far side, the trousers, the neck, the shirt, the arms."""
    p, t, down, across = body.p, body.torso, body.down, body.across
    ar, lr = ARM_RADII[0] * t, LEG_RADII[0] * t
    rs, ls = p[I["r_shoulder"]], p[I["l_shoulder"]]
    mid = _mean([rs, ls]) or body.neck
    if not (rs and ls and _dist(rs, ls) / 2 >= MIN_SHOULDER_HALF * t):  # side-on: widened
        half = max(_dist(rs, ls) / 2 if rs and ls else 0.0, MIN_SHOULDER_HALF * t)
        rs, ls = _at(mid, across, -half, down, 0), _at(mid, across, half, down, 0)
    rh, lh = p[I["r_hip"]], p[I["l_hip"]]
    # Hips out of the frame: the torso runs on past the bottom edge.
    hips = _mean([rh, lh]) or _add(mid, down,
                                   max(t, (1.05 * body.side - mid[1]) / max(down[1], 0.3)))
    half = max(_dist(rh, lh) / 2 if rh and lh else 0.0, MIN_HIP_HALF * t)
    rh, lh = _at(hips, across, -half, down, 0), _at(hips, across, half, down, 0)

    def arm(s):  # hung a little below the shoulder point: no puffed sleeve
        if not p[I[s + "shoulder"]]:
            return []
        return _limb(body, _add(p[I[s + "shoulder"]], down, 0.35 * ar), p[I[s + "elbow"]],
                     p[I[s + "wrist"]], ARM_RADII, colours.shirt, (colours.skin, "hand"))

    def leg(s):
        if not p[I[s + "hip"]]:
            return []
        return _limb(body, p[I[s + "hip"]], p[I[s + "knee"]], p[I[s + "ankle"]], LEG_RADII,
                     colours.trousers, (colours.shoes, "foot"))

    near = [s for s in (("r_", "l_") if body.far != "l_" else ("l_", "r_")) if s != body.far]
    if body.far:
        for shapes in (arm(body.far), leg(body.far)):
            painter.group([(*shape[:-1], tuple(int(c * FAR_DARK) for c in shape[-1]))
                           for shape in shapes])
    trousers = [shape for s in near for shape in leg(s)]
    if p[I["r_hip"]] or p[I["l_hip"]]:  # the seat, one garment with the legs
        trousers.append(("poly", [_at(rh, across, -0.3 * lr, down, -0.15 * t),
                                  _at(lh, across, 0.3 * lr, down, -0.15 * t),
                                  _at(lh, across, 0.8 * lr, down, 0.1 * t),
                                  _add(hips, down, 0.22 * t),
                                  _at(rh, across, -0.8 * lr, down, 0.1 * t)], colours.trousers))
    painter.group(trousers)
    neck_r = NECK_SHARE * head.face_width
    painter.group([("cap", _add(mid, down, 0.1 * t), head.centre, 1.2 * neck_r, neck_r,
                    colours.skin)])
    waist = 0.35 * lr - 0.03 * t * (1.0 - body.sideways)

    def flank(s, h, k):  # one side of the shirt, neckline to hem; k -1 the right, +1 the left
        return [_at(mid, across, k * 1.1 * neck_r, down, -1.1 * ar),
                _at(s, across, -k * 0.5 * ar, down, -0.55 * ar),
                _at(s, across, k * 0.8 * ar, down, 0.35 * ar),
                _at(_add(s, (h[0] - s[0], h[1] - s[1]), 0.3), across, k * 0.6 * ar, down, 0),
                _at(_add(s, (h[0] - s[0], h[1] - s[1]), 0.7), across, k * waist, down, 0),
                _at(h, across, k * 0.9 * lr, down, 0), _at(h, across, k * 0.9 * lr, down, 0.05 * t)]
    painter.group([("poly", flank(rs, rh, -1) + flank(ls, lh, 1)[::-1], colours.shirt)])
    for s in near:
        painter.group(arm(s))


def shading(form: Image.Image, style: str, dark: float) -> np.ndarray:
    """A light factor per pixel (float32) from the painter's relief and a light from the
    upper left: smooth for realistic, three bands for illustration, two tones (cel) for
    anime. `dark`: the factor in the deepest shade."""
    side = form.width
    blurred = form.filter(ImageFilter.GaussianBlur(max(1, side // 200)))  # the steps melt
    relief = np.asarray(blurred, np.float32) / 255
    if style == "anime":
        return np.where(relief > 0.62, 1.0, dark + 0.1).astype(np.float32)
    ramp = np.linspace(1.08, 0.9, side, dtype=np.float32)
    light = (ramp[None, :] + ramp[:, None]) / 2 * (dark + (1 - dark) * relief)
    if style == "illustration":
        return np.select([light > 0.88, light > 0.74], [1.0, 0.87], 0.74).astype(np.float32)
    return light
