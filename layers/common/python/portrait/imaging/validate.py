"""Decide whether uploaded bytes are an image we will process, cheapest checks first.

Order: byte size, magic numbers, the header's dimensions (decompression bomb,
then too large, then too small), and only then a full decode, which catches
truncated and corrupt files. Nothing pixel-sized is allocated before the
header checks pass.

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

import io
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from PIL import Image, ImageFile

from portrait.errors import ImageRejected
from portrait.imaging.formats import (PIL_FORMATS, gif_frame_count, sniff, webp_canvas_size,
                                      webp_metadata)

AVATAR_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 25_000_000

# Process-wide on purpose: every Image.open in this process (not just ours) gets
# the low ceiling. Only ever lowered, so a stricter value set elsewhere stands.
# Above it Pillow warns, above twice it raises; decode() turns the warning
# into an error locally rather than changing the global warning filters.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > DEFAULT_MAX_PIXELS:
    Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS

# What Pillow's plugins raise on malformed input, while opening or decoding.
# (UnidentifiedImageError and "image file is truncated" are OSErrors.)
_MALFORMED = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


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
        # silently accepting half an image (DESIGN.md section 8).
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    if len(data) > limits.max_bytes:
        raise rejected("too_large",
                       f"the file is {len(data)} bytes; the limit is {limits.max_bytes}",
                       limits, size=len(data), limit=limits.max_bytes)
    fmt = sniff(data)
    if fmt is None:
        raise rejected("unsupported_type", "no JPEG, PNG, WebP or GIF signature", limits)
    if fmt == "webp":
        declared = webp_canvas_size(data)
        if declared is None:
            raise rejected("corrupt", "the WebP header is malformed", limits)
        _check_dimensions(*declared, limits)
        shrunk = _webp_shrunk_on_load(data, declared, _draft_size(*declared, at_least,
                                                                  _slackened(fit_within, slack)),
                                      limits)
        if shrunk is not None:
            return shrunk

    # catch_warnings swaps the process's filter list for the duration (and _pillow_ceiling
    # the process's pixel ceiling): fine for a Lambda handler (one request per process at
    # a time), not for callers decoding from several threads at once.
    with warnings.catch_warnings(), _pillow_ceiling(limits.max_pixels):
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[fmt]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(str(exc), limits) from None
        except _MALFORMED as exc:
            raise rejected("corrupt", f"the {fmt} header cannot be read: {exc}", limits) from None

        width, height = image.size
        _check_dimensions(width, height, limits)

        try:
            frames = (fmt == "gif" and gif_frame_count(data)) or getattr(image, "n_frames", 1)
            image.seek(0)
            scale = 1
            wanted = _draft_size(width, height, at_least, _slackened(fit_within, slack))
            if wanted and fmt == "jpeg":
                chosen = image.draft(image.mode, wanted)
                if chosen is not None:
                    scale = round(width / chosen[1][2])
            banded = _png_on_load(data, image, frames, wanted, fit_within)
            if banded is not None:
                mode = image.mode
                image, scale = banded
            else:
                mode = None
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb(str(exc), limits) from None
        except _MALFORMED as exc:  # png_banded's PngDecodeError is a ValueError
            raise rejected("corrupt", f"the image data is truncated or corrupt: {exc}",
                           limits) from None
        # Found by fuzzing: a PNG of colour type 3 with no PLTE chunk decodes to mode P
        # with no palette, which Pillow itself trips over later (an AssertionError).
        if image.mode in ("P", "PA") and image.palette is None:
            raise rejected("corrupt", "a palette image without its palette", limits)

    info = SourceInfo(format=fmt, width=width, height=height, frames=frames,
                      mode=mode or image.mode, bytes=len(data))
    return DecodedSource(info=info, image=image, scale=scale)


def _png_on_load(data: bytes, header: Image.Image, frames: int, wanted: tuple[int, int] | None,
                 fit_within: int | None) -> tuple[Image.Image, float] | None:
    """A still PNG decoded band by band (png_banded.py), with the header's metadata, and its
    scale; None to decode it whole with Pillow.

    For `at_least` (no fit_within): reduced by the largest integer factor that keeps both
    sides at least `wanted`. A 12 MP PNG: 248 ms instead of Pillow's 280 (ISA-L inflates
    faster than Pillow's zlib), and 20 MB at the peak instead of 60.

    For `fit_within`: resized with Lanczos to the size a JPEG's DCT scaling would give
    when an integer reduction keeps at least `wanted` and fits (a 4000 px PNG is shown at
    2000, as a 4000 px JPEG is), else to the exact fit. Not a box reduce(): a 12 MP PNG's
    2000 px display came out 8 % larger and 0.006 SSIM worse from it than from Lanczos,
    and a display is served far more often than it is made."""
    width, height = header.size
    if header.format != "PNG" or frames != 1 or not wanted:
        return None
    factor = _reduction(header.size, wanted)
    if fit_within is None:
        size = None
        if factor < 2:
            return None
    elif max(width, height) <= fit_within:
        return None
    elif factor > 1 and -(-max(width, height) // factor) <= fit_within:
        size = (-(-width // factor), -(-height // factor))
    else:
        size = scaled_size(header.size, fit_within / max(width, height))
    from portrait.imaging import png_banded  # ISA-L, loaded only when a PNG shrinks

    image = (png_banded.decode_reduced(data, factor, header.size) if size is None
             else png_banded.decode_resized(data, size, header.size))
    if image is None:
        return None
    image.info = {**header.info, **image.info}
    return image, factor if size is None else width / size[0]


def scaled_size(size: tuple[int, int], ratio: float) -> tuple[int, int]:
    """`size` times `ratio`, each side rounded and at least 1: the one rounding every
    resize to a fit uses (here and prepare.upright_srgb), so they agree to the pixel."""
    return max(1, round(size[0] * ratio)), max(1, round(size[1] * ratio))


def _reduction(size: tuple[int, int], wanted: tuple[int, int] | None) -> int:
    """The largest integer factor that keeps both sides of `size` at least `wanted`."""
    return min(size[0] // wanted[0], size[1] // wanted[1]) if wanted else 1


def _slackened(fit_within: int | None, slack: float) -> int | None:
    return round(fit_within * slack) if fit_within else None


def _webp_shrunk_on_load(data: bytes, size: tuple[int, int], wanted: tuple[int, int] | None,
                         limits: Limits) -> DecodedSource | None:
    """A still WebP decoded by libwebp straight at 1/n of its size (the largest n that keeps
    both sides at least `wanted`), as a JPEG draft is; None to decode it with Pillow."""
    width, height = size
    scale = _reduction(size, wanted)
    if scale < 2:
        return None
    from portrait.imaging import webp_scaled  # ctypes, loaded only when a WebP shrinks

    try:
        image = webp_scaled.decode_scaled(data, (-(-width // scale), -(-height // scale)))
    except webp_scaled.WebPDecodeError as exc:
        raise rejected("corrupt", f"the image data is truncated or corrupt: {exc}",
                       limits) from None
    if image is None:  # an animation, or no libwebp here: Pillow decodes it
        return None
    image.info.update(webp_metadata(data))
    info = SourceInfo(format="webp", width=width, height=height, frames=1, mode=image.mode,
                      bytes=len(data))
    return DecodedSource(info=info, image=image, scale=scale)


def _draft_size(width: int, height: int, at_least: int | None,
                fit_within: int | None) -> tuple[int, int] | None:
    """The smallest decoded size the caller can use (Image.draft keeps both sides at
    least this), or None to decode at full size."""
    if at_least:
        return at_least, at_least
    longer = max(width, height)
    if fit_within and longer > fit_within:
        # Rounded up: the draft must not come out a pixel short of the size asked for.
        return -(-width * fit_within // longer), -(-height * fit_within // longer)
    return None


@contextmanager
def _pillow_ceiling(max_pixels: int) -> Iterator[None]:
    """Pillow's own bomb check at `max_pixels` while decoding, when these limits allow
    more than the process-wide ceiling (portfolio images: up to 8192 px a side). Our
    header check has run first, so nothing larger is ever opened."""
    ceiling = Image.MAX_IMAGE_PIXELS
    if ceiling is None or max_pixels <= ceiling:
        yield
        return
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = ceiling


def _check_dimensions(width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_pixels:
        raise _bomb(f"the image claims {width} x {height} pixels; the limit is {limits.max_pixels}",
                    limits)
    if max(width, height) > limits.max_side:
        raise rejected("dimensions_too_large", f"the image is {width} x {height}", limits,
                       width=width, height=height)
    if min(width, height) < limits.min_side:
        raise rejected("dimensions_too_small", f"the image is {width} x {height}", limits,
                       width=width, height=height)


def _bomb(detail: str, limits: Limits) -> ImageRejected:
    return rejected("decompression_bomb", f"refused as a possible decompression bomb: {detail}",
                    limits)
