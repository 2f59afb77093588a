"""The fuzz target for image validation and preparation: bytes in, and either a
prepared image or ImageRejected out. Anything else (an exception, a hang) is a bug:
a hostile upload must end as a clean rejection, never as a failed invocation.

Seeds are small valid files of every accepted format (and the odd cases the
validation corpus covers: EXIF rotation, an ICC profile, CMYK, 16-bit, alpha,
palette transparency, animation), which mutations then damage.
"""
from __future__ import annotations

import random
from functools import cache

from portrait.errors import ImageRejected
from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, decode

# Small limits keep one execution in the milliseconds; the code paths are the same.
LIMITS = Limits(max_bytes=512 * 1024, min_side=16, max_side=1024, max_pixels=1_000_000)


def check(data: bytes) -> str:
    """Run the target on `data`; returns "ok" or the rejection reason, raises on a bug."""
    try:
        source = decode(data, LIMITS)
        image = upright_srgb(source, 64)
        assert image.mode in ("RGB", "RGBA") and max(image.size) <= 1024, image
        return "ok"
    except ImageRejected as rejection:
        assert rejection.reason in {"too_large", "unsupported_type", "corrupt",
                                    "dimensions_too_small", "dimensions_too_large",
                                    "decompression_bomb"}, rejection.reason
        return rejection.reason


@cache
def seeds() -> tuple[bytes, ...]:
    from tests.unit.imaging import corpus

    builders = [corpus.jpeg_gps_orientation6, corpus.jpeg_adobe_rgb, corpus.jpeg_cmyk,
                corpus.png_gray16, corpus.png_color16, corpus.png_alpha,
                corpus.png_palette_transparency, corpus.gif_animated, corpus.webp_lossy,
                corpus.webp_animated]
    return tuple(build() for build in builders)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four damages of the kinds real broken files show."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        if not buffer:
            break
        at = rng.randrange(len(buffer))
        if kind == 0:  # flipped bits
            buffer[at] ^= 1 << rng.randrange(8)
        elif kind == 1:  # a byte set to a boundary value
            buffer[at] = rng.choice((0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF))
        elif kind == 2:  # truncated
            del buffer[at:]
        elif kind == 3:  # a chunk repeated
            size = rng.randint(1, 64)
            buffer[at:at] = buffer[at:at + size]
        elif kind == 4:  # a chunk removed
            del buffer[at:at + rng.randint(1, 64)]
        else:  # a 32-bit field (sizes, lengths, offsets) set big
            buffer[at:at + 4] = rng.choice((b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff",
                                            b"\x00\x00\x00\x00", b"\x00\x01\x00\x00"))
    return bytes(buffer)
