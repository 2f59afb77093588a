"""Pixel modes for resampling, in one place: which modes filter well, and the
premultiplied-alpha round trip every filter over transparent pixels needs.

Shared by prepare.py (resizing) and png_banded.py (reducing a PNG while it decodes),
which cannot import each other: validate.py sits between them.
"""
from __future__ import annotations

from PIL import Image

# Modes Pillow resamples well and that still match an embedded ICC profile's
# colour space (RGB, gray or CMYK), so the profile can be applied after resizing.
_RESIZABLE = {"RGB", "RGBA", "L", "LA", "CMYK"}
_SIXTEEN_BIT_GRAY = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_STRAIGHT = {mixed: mode for mode, mixed in _PREMULTIPLIED.items()}


def resizable(image: Image.Image) -> Image.Image:
    """A mode that resizes with a real filter and keeps any transparency.

    Palette images would otherwise be resized with NEAREST, and 16-bit gray
    would be clipped (Pillow converts I;16 to L by saturating, not scaling).
    """
    if image.mode in _SIXTEEN_BIT_GRAY:
        # 0..65535 -> 0..255 by scaling; point() on "I" is a linear map.
        return image.convert("I").point(lambda v: v * (255 / 65535)).convert("L")
    if image.has_transparency_data and image.mode not in ("RGBA", "LA"):
        return image.convert("RGBA")
    if image.mode in _RESIZABLE:
        return image
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def has_alpha(mode: str) -> bool:
    return mode in _PREMULTIPLIED


def premultiplied(image: Image.Image) -> Image.Image:
    """RGBA and LA as RGBa and La (filtering straight alpha lets a transparent pixel's
    hidden colour bleed into its neighbours); any other mode as it is."""
    return image.convert(_PREMULTIPLIED[image.mode]) if image.mode in _PREMULTIPLIED else image


def unpremultiplied(image: Image.Image) -> Image.Image:
    """RGBa and La back to RGBA and LA; any other mode as it is."""
    return image.convert(_STRAIGHT[image.mode]) if image.mode in _STRAIGHT else image
