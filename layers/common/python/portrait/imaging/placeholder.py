"""The neutral placeholder: a grey head-and-shoulders silhouette on a light ground.

Shown for users without an avatar (GET /avatars/default). Unlike an identicon
it says nothing about who the user is, so one image serves everyone and can be
cached by browsers and CDNs alike.
"""
from __future__ import annotations

import io

from PIL import Image, ImageDraw

_BACKGROUND = (229, 231, 235)
_FIGURE = (156, 163, 175)
# Drawn larger, then reduced: Pillow's shapes have no anti-aliasing of their own.
_SUPERSAMPLE = 4


def placeholder_png(size: int) -> bytes:
    """A square PNG of `size` pixels a side."""
    if not 16 <= size <= 2048:
        raise ValueError("a placeholder is 16 to 2048 pixels a side")
    big = size * _SUPERSAMPLE
    image = Image.new("RGB", (big, big), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    head = big * 0.19  # radius
    centre_x, head_y = big / 2, big * 0.39
    draw.ellipse((centre_x - head, head_y - head, centre_x + head, head_y + head), fill=_FIGURE)
    # Shoulders: the top of a wide ellipse, cut off by the bottom edge.
    shoulders_top, half_width = big * 0.64, big * 0.34
    draw.ellipse((centre_x - half_width, shoulders_top, centre_x + half_width, shoulders_top + big * 0.62),
                 fill=_FIGURE)
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()
