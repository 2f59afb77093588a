"""Decide whether uploaded bytes are an image we will process, cheapest checks first.

Order: byte size, magic numbers, the header's dimensions (decompression bomb,
then too large, then too small), and only then a full decode, which catches
truncated and corrupt files. Nothing pixel-sized is allocated before the
header checks pass. The reasons a source is refused are listed in source.py;
how each format is decoded is decoders.py's table.
"""
from __future__ import annotations

from PIL import Image, ImageFile

from portrait.imaging.decoders import DECODERS, DecodeRequest
from portrait.imaging.formats import sniff
from portrait.imaging.source import (AVATAR_LIMITS, AVATAR_MAX_BYTES, DEFAULT_MAX_PIXELS,
                                     DecodedSource, Limits, SourceInfo, check_size, public_message,
                                     rejected, scaled_size)

__all__ = ["AVATAR_LIMITS", "AVATAR_MAX_BYTES", "DEFAULT_MAX_PIXELS", "DecodedSource", "Limits",
           "SourceInfo", "check_size", "decode", "probe", "public_message", "rejected", "scaled_size"]

# Process-wide on purpose: every Image.open in this process (not just ours) gets
# the low ceiling. Only ever lowered, so a stricter value set elsewhere stands.
# Above it Pillow warns, above twice it raises; the Pillow decoder turns the warning
# into an error locally rather than changing the global warning filters.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > DEFAULT_MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS


def probe(
    data: bytes,
    *,
    max_bytes: int,
    min_side: int = 100,
    max_side: int = 4096,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> SourceInfo:
    """Validate `data` completely (including a full decode); raise ImageRejected if not."""
    limits = Limits(max_bytes=max_bytes, min_side=min_side, max_side=max_side,
                    max_pixels=max_pixels)
    return decode(data, limits).info


def decode(data: bytes, limits: Limits = AVATAR_LIMITS, *,
           at_least: int | None = None, fit_within: int | None = None,
           slack: float = 1.0) -> DecodedSource:
    """Validate and decode the first frame.

    at_least: the smallest side the caller needs. A JPEG is then decoded at
    the largest DCT reduction (1/2, 1/4, 1/8) whose shorter side is still at
    least that; the whole entropy stream is still read, so truncation is
    still caught. A still WebP is decoded by libwebp at 1/n the same way
    (webp_scaled.py), and a PNG band by band, reduced as it decodes
    (png_banded.py). fit_within: for a caller that needs the whole picture
    with its longer side at most this many pixels: a JPEG or WebP is reduced
    as above to no less than `slack` x that (a reduction they make for free),
    a PNG is resized to exactly that fit with Lanczos band by band as it
    decodes (`scale` is then fractional).
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone in this process turned on partial decoding; refusing beats
        # silently accepting half an image (docs/ARCHITECTURE.md §8).
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    check_size(len(data), limits)
    fmt = sniff(data)
    if fmt is None:
        raise rejected("unsupported_type", "no JPEG, PNG, WebP or GIF signature", limits)
    request = DecodeRequest(data, fmt, limits, at_least=at_least, fit_within=fit_within,
                            slack=slack)
    for decoder in DECODERS[fmt]:
        decoded = decoder(request)
        if decoded is not None:
            return decoded
    raise AssertionError(f"no decoder answered for {fmt}")  # Pillow's always does
