"""Poses and photos for the renderer tests, drawn here with Pillow.

The skeletons follow OpenPose's drawing convention (COCO-18 points, one
colour per limb, on black), so they look like what the poses catalogue
stores; the limbs are thick enough that their middles survive any resize.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

# (from, to, colour): OpenPose's limb order and palette.
LIMBS = [
    (1, 2, (255, 0, 0)), (1, 5, (255, 85, 0)), (2, 3, (255, 170, 0)), (3, 4, (255, 255, 0)),
    (5, 6, (170, 255, 0)), (6, 7, (85, 255, 0)), (1, 8, (0, 255, 0)), (8, 9, (0, 255, 85)),
    (9, 10, (0, 255, 170)), (1, 11, (0, 255, 255)), (11, 12, (0, 170, 255)),
    (12, 13, (0, 85, 255)), (1, 0, (0, 0, 255)), (0, 14, (85, 0, 255)), (14, 16, (170, 0, 255)),
    (0, 15, (255, 0, 255)), (15, 17, (255, 0, 170)),
]
LIMB_COLOUR = {(a, b): colour for a, b, colour in LIMBS}


def _pose(points: dict[int, tuple[float, float]]) -> list[list[float]]:
    return [[*points[i], 2.0] if i in points else [0.0, 0.0, 0.0] for i in range(18)]


STANDING = _pose({
    0: (0.5, 0.18), 1: (0.5, 0.32), 2: (0.4, 0.32), 3: (0.36, 0.47), 4: (0.34, 0.62),
    5: (0.6, 0.32), 6: (0.64, 0.47), 7: (0.66, 0.62), 8: (0.44, 0.62), 9: (0.43, 0.78),
    10: (0.42, 0.94), 11: (0.56, 0.62), 12: (0.57, 0.78), 13: (0.58, 0.94),
    14: (0.48, 0.16), 15: (0.52, 0.16), 16: (0.46, 0.17), 17: (0.54, 0.17),
})
# The same figure, arms raised and head higher and to the left.
ARMS_UP = _pose({
    0: (0.4, 0.14), 1: (0.45, 0.3), 2: (0.35, 0.3), 3: (0.3, 0.18), 4: (0.28, 0.05),
    5: (0.55, 0.3), 6: (0.62, 0.18), 7: (0.66, 0.05), 8: (0.4, 0.6), 9: (0.39, 0.77),
    10: (0.38, 0.94), 11: (0.5, 0.6), 12: (0.51, 0.77), 13: (0.52, 0.94),
    14: (0.38, 0.12), 15: (0.42, 0.12),
})
# Only a nose and a neck: a head centred on the nose, 1.2 x 0.2 = 0.24 of the stage wide.
NOSE_AND_NECK = _pose({0: (0.5, 0.25), 1: (0.5, 0.45), 8: (0.45, 0.8), 9: (0.45, 0.95)})


def skeleton_png(keypoints: list[list[float]], side: int = 512, width: int = 16) -> bytes:
    image = Image.new("RGB", (side, side), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    for a, b, colour in LIMBS:
        if keypoints[a][2] > 0 and keypoints[b][2] > 0:
            draw.line([(keypoints[a][0] * side, keypoints[a][1] * side),
                       (keypoints[b][0] * side, keypoints[b][1] * side)], fill=colour, width=width)
    return png(image)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def midpoint(keypoints: list[list[float]], a: int, b: int) -> tuple[float, float]:
    return ((keypoints[a][0] + keypoints[b][0]) / 2, (keypoints[a][1] + keypoints[b][1]) / 2)
