"""Default avatars: a GitHub-style identicon, rendered locally from the user id.

A 5 x 5 grid, mirrored left to right, drawn in one colour on a light ground.
Everything comes from SHA-256 of the seed, so the same id always gives the
same pixels, with no network and no stored state; 15 pattern bits and a hue
make neighbouring ids look different. The PNG is a source image: it goes
through make_variants like an upload.
"""
from __future__ import annotations

import colorsys
import hashlib
import io

from PIL import Image, ImageDraw

GRID = 5
_BACKGROUND = (240, 240, 240)


def identicon_png(seed: str, size: int = 1024) -> bytes:
    out = io.BytesIO()
    render_identicon(seed, size).save(out, "PNG")
    return out.getvalue()


def render_identicon(seed: str, size: int = 1024) -> Image.Image:
    if size < GRID + 1:
        raise ValueError(f"an identicon needs at least {GRID + 1} pixels a side")
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    cells = _pattern(digest)
    colour = _colour(digest)

    image = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    # Half a cell of margin on each side; integer edges keep the blocks crisp.
    cell = size // (GRID + 1)
    margin = (size - cell * GRID) // 2
    for row in range(GRID):
        for col in range(GRID):
            if cells[row][col]:
                x0, y0 = margin + col * cell, margin + row * cell
                draw.rectangle((x0, y0, x0 + cell - 1, y0 + cell - 1), fill=colour)
    return image


def _pattern(digest: bytes) -> list[list[bool]]:
    # 15 bits fill the left three columns; the right two mirror them. A nearly
    # blank or nearly solid tile says little, so such bits are passed over for
    # the next two bytes of the digest (about one seed in 130 needs that).
    for offset in range(4, len(digest) - 1, 2):
        bits = int.from_bytes(digest[offset:offset + 2], "big") & 0x7FFF
        if 3 <= bits.bit_count() <= 12:
            break
    else:
        bits = 0b010_101_111_101_010  # unreachable in practice: 14 tries of ~0.7 % each
    half = [[bool(bits >> (row * 3 + col) & 1) for col in range(3)] for row in range(GRID)]
    return [row + row[1::-1] for row in half]


def _colour(digest: bytes) -> tuple[int, int, int]:
    hue = int.from_bytes(digest[0:2], "big") / 65536
    saturation = 0.45 + digest[2] / 255 * 0.3  # 45..75 %: never grey, never neon
    lightness = 0.40 + digest[3] / 255 * 0.15  # 40..55 %: readable on the light ground
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)
