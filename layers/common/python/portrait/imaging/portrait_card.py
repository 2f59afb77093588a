"""The preview portrait card: the user's photo and the chosen pose, composed
locally with no model. It is not an AI-generated portrait and does not look
like one; it shows the two inputs a model would get, so the generation flow
works end to end (and locally) without Bedrock.

Layout on a square card of S pixels (512 for sd, 1024 for hd):
  - a dark slate ground, and on it the stage: the card less a margin of S/16
    on every side, holding the pose skeleton (coloured limbs on black) scaled
    to fit;
  - a disc cut from the photo's face area (imaging.face_area: a skin-tone
    heuristic, not face detection), ringed, where the pose's head is;
  - a thin frame, interrupted at the bottom by the label "PREVIEW".

Deterministic: the same inputs give the same bytes (fixed encoder settings;
no time, text or colour-profile chunk in the PNG).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from portrait.imaging.face_area import WINDOW_SHARE, face_window
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, decode
from portrait.sizes import PORTRAIT_SIDES

CARD_SIDES = PORTRAIT_SIDES
BACKGROUND = (17, 19, 28)
FRAME = (58, 63, 80)
LABEL_INK = (138, 145, 163)
RING = (236, 239, 244)
LABEL = "PREVIEW"
PNG_COMPRESS_LEVEL = 6

# The photo was validated on upload; these limits only stop a wrong input early.
PHOTO_LIMITS = Limits(max_bytes=20 * 1024 * 1024, min_side=16, max_side=8192)
SKELETON_LIMITS = Limits(max_bytes=8 * 1024 * 1024, min_side=16, max_side=4096)

# COCO-18 (OpenPose) indices of the points that locate a head.
NOSE, NECK, R_EYE, L_EYE, R_EAR, L_EAR = 0, 1, 14, 15, 16, 17
KEYPOINTS = 18
# Head-size rules of thumb, as diameters: head centre to neck (the shoulder
# line) is about 0.85 head heights; the head is about 2.6 eye spacings and
# 1.2 ear spacings wide.
_PER_NECK_DISTANCE, _PER_EYE_SPAN, _PER_EAR_SPAN = 1.2, 2.6, 1.2
DEFAULT_HEAD = (0.5, 0.2, 0.2)  # x, y, diameter, when the pose has no head points
HEAD_RANGE = (0.1, 0.36)  # diameter bounds, as shares of the stage
_SUPERSAMPLE = 4  # Pillow's ellipses have no anti-aliasing: draw larger, reduce


@dataclass(frozen=True)
class HeadCircle:
    """Centre and diameter, as shares of the stage (the skeleton's square)."""

    x: float
    y: float
    diameter: float


def portrait_card_png(photo: bytes, skeleton_png: bytes, keypoints: Sequence[Sequence[float]],
                      side: int) -> bytes:
    """Decode both images (ImageRejected if either will not) and return the card PNG."""
    head = head_circle(keypoints)
    skeleton = decode(skeleton_png, SKELETON_LIMITS).image.convert("RGB")
    needed = photo_side(side)
    photo_image = upright_srgb(decode(photo, PHOTO_LIMITS, at_least=needed), needed)
    card = render_portrait_card(photo_image, skeleton, head, side)
    out = io.BytesIO()
    card.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def photo_side(side: int) -> int:
    """The photo's shorter side a card needs. Only the face window is shown, at
    most HEAD_RANGE[1] of the stage wide, so more pixels than give that window
    are never used (and a JPEG can decode at 1/4 or 1/8 scale)."""
    return math.ceil(HEAD_RANGE[1] * stage_of(side)[1] / WINDOW_SHARE)


def render_portrait_card(photo: Image.Image, skeleton: Image.Image, head: HeadCircle,
                         side: int) -> Image.Image:
    """The card as an RGB image of side x side, with an empty info. A skeleton
    that is not square is stretched onto the square stage, which keeps each
    keypoint (a share of its width and of its height) on its limbs."""
    margin, stage = stage_of(side)
    card = Image.new("RGB", (side, side), BACKGROUND)
    # The skeleton as it is, black ground and all: its limbs keep their exact
    # colours, and the stage shows the very picture a pose model is given.
    card.paste(skeleton.resize((stage, stage), Image.Resampling.LANCZOS, reducing_gap=2.0),
               (margin, margin))

    left, top, diameter = face_disc(head, side)
    ring = _ring_width(diameter)
    outer = diameter + 2 * ring
    card.paste(RING, (left - ring, top - ring, left - ring + outer, top - ring + outer),
               _disc(outer))
    face = photo.convert("RGB") if photo.mode != "RGBA" else _flatten(photo)
    face = face.resize((diameter, diameter), Image.Resampling.LANCZOS,
                       box=face_window(face), reducing_gap=2.0)
    card.paste(face, (left, top), _disc(diameter))

    _frame_and_label(card, margin)
    card.info = {}
    return card


def face_disc(head: HeadCircle, side: int) -> tuple[int, int, int]:
    """Where the face disc goes on a card of `side` pixels: (left, top, diameter),
    the head's place on the stage, moved inward just enough for disc and ring
    to stay on the stage when the head is at its edge."""
    margin, stage = stage_of(side)
    diameter = round(head.diameter * stage)
    half = diameter / 2 + _ring_width(diameter)
    cx = min(max(margin + head.x * stage, margin + half), side - margin - half)
    cy = min(max(margin + head.y * stage, margin + half), side - margin - half)
    return round(cx - diameter / 2), round(cy - diameter / 2), diameter


def stage_of(side: int) -> tuple[int, int]:
    """(margin, stage side) of a card: the skeleton's square starts at (margin, margin)."""
    margin = side // 16
    return margin, side - 2 * margin


def _ring_width(diameter: int) -> int:
    return max(2, diameter // 32)


def head_circle(keypoints: Sequence[Sequence[float]]) -> HeadCircle:
    """Where the pose's head is and how large, from its nose, eyes, ears and neck.

    Keypoints are COCO-18 [x, y, v] with x, y shares of the skeleton image;
    v > 0 marks a point as placed. Of the size estimates available the
    largest is kept: turning the head only ever shortens a span.
    """
    points = _placed(keypoints)
    face = [points[i] for i in (NOSE, R_EYE, L_EYE, R_EAR, L_EAR) if i in points]
    x, y, default_diameter = DEFAULT_HEAD
    estimates = []
    if face:
        x = sum(p[0] for p in face) / len(face)
        y = sum(p[1] for p in face) / len(face)
        if NECK in points:
            estimates.append(_PER_NECK_DISTANCE * math.dist((x, y), points[NECK]))
        if R_EYE in points and L_EYE in points:
            estimates.append(_PER_EYE_SPAN * math.dist(points[R_EYE], points[L_EYE]))
        if R_EAR in points and L_EAR in points:
            estimates.append(_PER_EAR_SPAN * math.dist(points[R_EAR], points[L_EAR]))
    elif NECK in points:  # a head above the neck, of the default size
        x, y = points[NECK][0], points[NECK][1] - default_diameter / _PER_NECK_DISTANCE
    low, high = HEAD_RANGE
    diameter = min(max(max(estimates, default=default_diameter), low), high)
    return HeadCircle(x=x, y=y, diameter=diameter)


def _placed(keypoints: Sequence[Sequence[float]]) -> dict[int, tuple[float, float]]:
    if len(keypoints) != KEYPOINTS or any(len(point) != 3 for point in keypoints):
        raise ValueError(f"keypoints must be {KEYPOINTS} triples [x, y, v] (COCO-18 order)")
    placed = {}
    for index, (x, y, v) in enumerate(keypoints):
        if not all(math.isfinite(c) for c in (x, y, v)):
            raise ValueError(f"keypoint {index} is not finite")
        if v > 0:
            placed[index] = (min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))
    return placed


def _flatten(image: Image.Image) -> Image.Image:
    flat = Image.new("RGB", image.size, BACKGROUND)
    flat.paste(image, mask=image.getchannel("A"))
    return flat


@lru_cache(maxsize=16)
def _disc(diameter: int) -> Image.Image:
    big = Image.new("L", (diameter * _SUPERSAMPLE,) * 2, 0)
    ImageDraw.Draw(big).ellipse((0, 0, big.width - 1, big.height - 1), fill=255)
    return big.resize((diameter, diameter), Image.Resampling.BOX)


def _frame_and_label(card: Image.Image, margin: int) -> None:
    side = card.width
    inset, width = margin // 2, max(1, side // 512)
    draw = ImageDraw.Draw(card)
    draw.rectangle((inset, inset, side - 1 - inset, side - 1 - inset), outline=FRAME, width=width)
    # Pillow's bundled font, drawn by the FreeType that ships in its wheel: the
    # same pixels wherever the same Pillow is installed.
    font = ImageFont.load_default(size=margin // 2)
    x0, y0, x1, y1 = draw.textbbox((side / 2, side - 1 - inset), LABEL, font=font, anchor="mm")
    pad = margin // 4
    draw.rectangle((x0 - pad, y0, x1 + pad, y1), fill=BACKGROUND)
    draw.text((side / 2, side - 1 - inset), LABEL, font=font, fill=LABEL_INK, anchor="mm")
