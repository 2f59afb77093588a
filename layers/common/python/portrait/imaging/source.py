"""What a validated source is, the limits it is judged by, and the reasons it may be
refused: shared by the validation (validate.py) and the decoders (decoders.py).

Reasons, as `ImageRejected.reason`:
  too_large             more bytes than the cap
  unsupported_type      not JPEG, PNG, WebP or GIF by its magic numbers
  decompression_bomb    the header claims more pixels than max_pixels (25 MP).
                        This is checked before the side limits on purpose: a
                        50 000 x 50 000 header is an attack, not a big photo,
                        and Pillow itself refuses it while opening.
  dimensions_too_large  within the pixel budget, but a side over max_side
  dimensions_too_small  a side under min_side
  corrupt               a header or pixel stream that does not decode to the end
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from PIL import Image

from portrait.errors import ImageRejected

AVATAR_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 25_000_000

# What Pillow's plugins raise on malformed input, while opening or decoding.
# (UnidentifiedImageError and "image file is truncated" are OSErrors.)
MALFORMED = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
# Pillow's own bomb check, as it raises while opening or decoding.
BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = AVATAR_MAX_BYTES
    min_side: int = 100
    max_side: int = 4096
    # Effective ceiling is also Image.MAX_IMAGE_PIXELS: a larger value here
    # cannot loosen Pillow's own check.
    max_pixels: int = DEFAULT_MAX_PIXELS


AVATAR_LIMITS = Limits()


def public_message(reason: str, limits: Limits = AVATAR_LIMITS) -> str:
    """The one sentence users see for a reason: the limits it broke, never a library's words."""
    megabytes = f"{limits.max_bytes / 2**20:g} MB"
    return {
        "too_large": f"The file is larger than {megabytes}.",
        "unsupported_type": "The file is not a JPEG, PNG, WebP or GIF image.",
        "corrupt": "The image is damaged or incomplete, so it cannot be read.",
        "dimensions_too_small": f"The image is too small: each side must be at least "
                                f"{limits.min_side} pixels.",
        "dimensions_too_large": f"The image is too large: no side may be longer than "
                                f"{limits.max_side} pixels.",
        "decompression_bomb": f"The image has too many pixels to process safely (at most "
                              f"{limits.max_pixels / 1e6:g} megapixels).",
    }[reason]


def rejected(reason: str, detail: str, limits: Limits = AVATAR_LIMITS,
             **details) -> ImageRejected:
    return ImageRejected(reason, public_message(reason, limits), detail=detail, **details)


@dataclass(frozen=True)
class SourceInfo:
    format: str  # "jpeg" | "png" | "webp" | "gif", from the magic numbers
    width: int  # as stored, before any EXIF rotation
    height: int
    frames: int
    mode: str  # Pillow's mode of the first frame, e.g. "RGB", "P", "CMYK", "I;16"
    bytes: int


@dataclass(frozen=True)
class DecodedSource:
    """A validated source: its facts, and its first frame, decoded.

    `image` may be smaller than info.width x info.height by `scale` (shrink-on-load;
    fractional for a PNG resized as it decodes); its info still holds the source's
    EXIF and ICC profile.
    """

    info: SourceInfo
    image: Image.Image
    scale: float = 1


def scaled_size(size: tuple[int, int], ratio: float) -> tuple[int, int]:
    """`size` times `ratio`, each side rounded and at least 1: the one rounding every
    resize to a fit uses (here and prepare.upright_srgb), so they agree to the pixel."""
    return max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))


def reduction(size: tuple[int, int], wanted: tuple[int, int] | None) -> int:
    """The largest integer factor that keeps both sides of `size` at least `wanted`."""
    return min(size[0] // wanted[0], size[1] // wanted[1]) if wanted else 1


def check_size(size: int, limits: Limits) -> None:
    """Refuse more bytes than the cap: the first check, and the one a processor makes on an
    object's size as S3 reports it before reading a body it would refuse."""
    if size > limits.max_bytes:
        raise rejected("too_large", f"the file is {size} bytes; the limit is {limits.max_bytes}",
                       limits, size=size, limit=limits.max_bytes)


def check_dimensions(width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_pixels:
        raise bomb(f"the image claims {width} x {height} pixels; the limit is {limits.max_pixels}",
                   limits)
    if max(width, height) > limits.max_side:
        raise rejected("dimensions_too_large", f"the image is {width} x {height}", limits,
                       width=width, height=height)
    if min(width, height) < limits.min_side:
        raise rejected("dimensions_too_small", f"the image is {width} x {height}", limits,
                       width=width, height=height)


def bomb(detail: str, limits: Limits) -> ImageRejected:
    return rejected("decompression_bomb", f"refused as a possible decompression bomb: {detail}",
                    limits)
