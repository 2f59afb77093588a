"""The test corpus, generated with Pillow (plus a few hand-built headers), and
what each file must come to. Builders are cached: each file is made once per run.
"""
from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from functools import cache
from collections.abc import Callable

from PIL import ExifTags, Image

from .icc import adobe_rgb_profile

# Strings planted in the sources' metadata; none may reach an output.
GPS_SECRET = b"PORTRAIT-GPS-SECRET"
MAKE_SECRET = "PORTRAIT-MAKE-SECRET"
XMP_SECRET = b"PORTRAIT-XMP-SECRET"
SECRETS = (GPS_SECRET, MAKE_SECRET.encode(), XMP_SECRET)

RED, GREEN, BLUE = (220, 30, 30), (30, 190, 60), (40, 60, 210)
YELLOW, GREY = (230, 210, 40), (128, 128, 128)


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


# --- hand-built PNG ------------------------------------------------------------

def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_with_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 2,
                    idat: bytes | None = None) -> bytes:
    """A PNG whose IHDR says width x height, with a valid CRC and a tiny IDAT
    (one compressed empty row unless given): the header lies about the payload."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = idat if idat is not None else zlib.compress(b"\x00" * 16)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", body)
            + png_chunk(b"IEND", b""))


def png_rgb16(width: int, height: int, rgb16: tuple[int, int, int]) -> bytes:
    """A real 16-bit-per-channel RGB PNG (Pillow cannot write one)."""
    row = b"\x00" + struct.pack(">HHH", *rgb16) * width
    return png_with_header(width, height, bit_depth=16, colour_type=2,
                           idat=zlib.compress(row * height))


# --- images with meaning -------------------------------------------------------

def marked_landscape(width: int = 400, height: int = 300) -> Image.Image:
    """Grey, with two marks on the left edge of the centre square as stored: RED in
    its top-left corner, GREEN in its bottom-left corner. Orientation 6 (turn 90
    degrees clockwise to view) puts RED at the viewer's top right and GREEN at the
    viewer's top left; the bottom corners stay grey."""
    image = Image.new("RGB", (width, height), GREY)
    left = (width - height) // 2
    mark = height // 4
    image.paste(RED, (left, 0, left + mark, mark))
    image.paste(GREEN, (left, height - mark, left + mark, height))
    return image


def quadrants(width: int, height: int) -> Image.Image:
    """The centre square split into four colours (TL red, TR green, BL blue, BR yellow)."""
    image = Image.new("RGB", (width, height), GREY)
    side = min(width, height)
    x0, y0 = (width - side) // 2, (height - side) // 2
    half = side // 2
    for colour, (dx, dy) in zip((RED, GREEN, BLUE, YELLOW), ((0, 0), (1, 0), (0, 1), (1, 1))):
        left, top = x0 + dx * half, y0 + dy * half
        image.paste(colour, (left, top, left + half, top + half))
    return image


def exif_with(orientation: int, *, gps: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = MAKE_SECRET
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 1.5)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 40.0)
        info[ExifTags.GPS.GPSAreaInformation] = GPS_SECRET
    return exif


@cache
def jpeg_gps_orientation6() -> bytes:
    return encode(marked_landscape(), "JPEG", quality=95, exif=exif_with(6, gps=True),
                  xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + XMP_SECRET + b"</x:xmpmeta>")


@cache
def jpeg_adobe_rgb() -> bytes:
    return encode(quadrants(300, 240), "JPEG", quality=95, icc_profile=adobe_rgb_profile(),
                  exif=exif_with(1, gps=True))


@cache
def jpeg_cmyk() -> bytes:
    return encode(quadrants(300, 300).convert("CMYK"), "JPEG", quality=95)


@cache
def png_gray16() -> bytes:
    return encode(Image.new("I;16", (160, 120), 40000), "PNG")


@cache
def png_color16() -> bytes:
    return png_rgb16(160, 120, (50000, 20000, 5000))


def half_transparent(mode_size: tuple[int, int] = (200, 200)) -> Image.Image:
    width, height = mode_size
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((*BLUE, 255), (0, 0, width // 2, height))  # left half opaque blue
    return image


@cache
def png_alpha() -> bytes:
    return encode(half_transparent(), "PNG")


@cache
def png_palette_transparency() -> bytes:
    image = Image.new("P", (200, 200), 0)
    image.putpalette([0, 0, 0, *RED])
    image.paste(1, (0, 0, 100, 200))  # left half palette index 1 (red), right half index 0
    return encode(image, "PNG", transparency=0)


@cache
def gif_animated() -> bytes:
    frames = [Image.new("RGB", (160, 160), colour) for colour in (RED, GREEN, BLUE)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


@cache
def webp_lossy() -> bytes:
    return encode(quadrants(320, 240), "WEBP", quality=90)


@cache
def webp_animated() -> bytes:
    frames = [Image.new("RGB", (150, 150), colour) for colour in (GREEN, RED)]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


@cache
def png_50x50() -> bytes:
    return encode(Image.new("RGB", (50, 50), RED), "PNG")


@cache
def png_claims_50000() -> bytes:
    return png_with_header(50_000, 50_000)


@cache
def jpeg_truncated() -> bytes:
    data = encode(quadrants(400, 300), "JPEG", quality=90)
    return data[: len(data) * 6 // 10]


@cache
def jpeg_noise_6mb() -> bytes:
    """A genuine JPEG of about 6 MB: noise at 4:4:4 and quality 98 barely compresses."""
    rng = random.Random(6)
    image = Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3))
    return encode(image, "JPEG", quality=98, subsampling=0)


HTML_NAMED_JPG = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
       b'<rect width="200" height="200" fill="red"/></svg>')


@dataclass(frozen=True)
class Sample:
    name: str  # how a client might have named it; never consulted by the code
    build: Callable[[], bytes]
    outcome: str  # "ok" or the rejection reason
    format: str | None = None  # what the magic numbers say, for the accepted ones


FIVE_MB = 5 * 1024 * 1024

CORPUS = [
    Sample("gps_orientation6.jpg", jpeg_gps_orientation6, "ok", "jpeg"),
    Sample("adobe_rgb_gps.jpg", jpeg_adobe_rgb, "ok", "jpeg"),
    Sample("cmyk.jpg", jpeg_cmyk, "ok", "jpeg"),
    Sample("gray16.png", png_gray16, "ok", "png"),
    Sample("rgb16.png", png_color16, "ok", "png"),
    Sample("alpha.png", png_alpha, "ok", "png"),
    Sample("palette_transparency.png", png_palette_transparency, "ok", "png"),
    Sample("animated.gif", gif_animated, "ok", "gif"),
    Sample("photo.webp", webp_lossy, "ok", "webp"),
    Sample("animated.webp", webp_animated, "ok", "webp"),
    Sample("tiny_50x50.png", png_50x50, "dimensions_too_small"),
    Sample("claims_50000x50000.png", png_claims_50000, "decompression_bomb"),
    Sample("truncated.jpg", jpeg_truncated, "corrupt"),
    Sample("page.html.jpg", lambda: HTML_NAMED_JPG, "unsupported_type"),
    Sample("drawing.svg", lambda: SVG, "unsupported_type"),
    Sample("empty.jpg", lambda: b"", "unsupported_type"),
    Sample("noise_6mb.jpg", jpeg_noise_6mb, "too_large"),
]
ACCEPTED = [sample for sample in CORPUS if sample.outcome == "ok"]
