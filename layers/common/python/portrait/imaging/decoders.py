"""The decoders, one per way a format can be read, and the table decode() walks.

A decoder takes a DecodeRequest and answers a DecodedSource, or None to hand the
request to the next one in its format's row; Pillow's decoder ends every row.

  webp  libwebp straight at 1/n (webp_scaled.py), its header checked before Pillow
        opens anything; then Pillow (animations, no libwebp, no reduction)
  jpeg  Pillow with a DCT draft (1/2, 1/4, 1/8) when a smaller size will do
  png   band by band, reduced or resized as it decodes (png_banded.py), when a
        still PNG shrinks; else Pillow whole
  gif   Pillow, its frames counted from the block structure
"""
from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from PIL import Image

from portrait.imaging.formats import PIL_FORMATS, gif_frame_count, webp_canvas_size, webp_metadata
from portrait.imaging.source import (BOMB, MALFORMED, DecodedSource, Limits, SourceInfo, bomb,
                                     check_dimensions, reduction, rejected, scaled_size)


@dataclass(frozen=True)
class DecodeRequest:
    data: bytes
    fmt: str  # from the magic numbers
    limits: Limits
    at_least: int | None = None  # the smallest side the caller needs
    fit_within: int | None = None  # the longest side the caller shows
    slack: float = 1.0  # a JPEG or WebP may stay this many times larger than fit_within

    def wanted(self, width: int, height: int) -> tuple[int, int] | None:
        """The smallest decoded size the caller can use (a draft keeps both sides at least
        this), or None to decode at full size."""
        if self.at_least:
            return self.at_least, self.at_least
        fit = round(self.fit_within * self.slack) if self.fit_within else None
        longer = max(width, height)
        if fit and longer > fit:
            # Rounded up: the draft must not come out a pixel short of the size asked for.
            return -(-width * fit // longer), -(-height * fit // longer)
        return None

    def corrupt(self, exc: Exception) -> Exception:
        return rejected("corrupt", f"the image data is truncated or corrupt: {exc}", self.limits)


Decoder = Callable[[DecodeRequest], "DecodedSource | None"]
# Once Pillow has read the header: the frame loaded smaller, as (image, scale, the mode as
# stored), or None to load it whole.
Loader = Callable[[DecodeRequest, Image.Image, int], "tuple[Image.Image, float, str] | None"]


def webp_scaled(request: DecodeRequest) -> DecodedSource | None:
    """A still WebP decoded by libwebp at 1/n (the largest n that keeps both sides at least
    what the caller wants), as a JPEG draft is. The declared canvas is checked first, so
    an oversized one is refused before any decoder allocates it."""
    size = webp_canvas_size(request.data)
    if size is None:
        raise rejected("corrupt", "the WebP header is malformed", request.limits)
    check_dimensions(*size, request.limits)
    scale = reduction(size, request.wanted(*size))
    if scale < 2:
        return None
    from portrait.imaging import webp_scaled as libwebp  # ctypes: loaded when a WebP shrinks

    try:
        image = libwebp.decode_scaled(request.data, (-(-size[0] // scale), -(-size[1] // scale)))
    except libwebp.WebPDecodeError as exc:
        raise request.corrupt(exc) from None
    if image is None:  # an animation, or no libwebp here: Pillow decodes it
        return None
    image.info.update(webp_metadata(request.data))
    info = SourceInfo(format="webp", width=size[0], height=size[1], frames=1, mode=image.mode,
                      bytes=len(request.data))
    return DecodedSource(info=info, image=image, scale=scale)


def jpeg_draft(request: DecodeRequest, image: Image.Image, frames: int):
    """The JPEG decoded at the largest DCT reduction that still gives what is wanted; the
    whole entropy stream is read, so truncation is still caught."""
    width, height = image.size
    wanted = request.wanted(width, height)
    chosen = image.draft(image.mode, wanted) if wanted else None
    if chosen is None:
        return None
    image.load()
    return image, round(width / chosen[1][2]), image.mode


def png_banded(request: DecodeRequest, header: Image.Image, frames: int):
    """A still PNG decoded band by band (png_banded.py), with the header's metadata.

    For `at_least` (no fit_within): reduced by the largest integer factor that keeps both
    sides at least what is wanted. A 12 MP PNG: 248 ms instead of Pillow's 280 (ISA-L
    inflates faster than Pillow's zlib), and 20 MB at the peak instead of 60.

    For `fit_within`: resized with Lanczos to the size a JPEG's DCT scaling would give
    when an integer reduction keeps what is wanted and fits (a 4000 px PNG is shown at
    2000, as a 4000 px JPEG is), else to the exact fit. Not a box reduce(): a 12 MP PNG's
    2000 px display came out 8 % larger and 0.006 SSIM worse from it than from Lanczos,
    and a display is served far more often than it is made."""
    (width, height), fit = header.size, request.fit_within
    wanted = request.wanted(width, height)
    if frames != 1 or not wanted:
        return None
    factor = reduction(header.size, wanted)
    if fit is None:
        size = None
        if factor < 2:
            return None
    elif max(width, height) <= fit:
        return None
    elif factor > 1 and -(-max(width, height) // factor) <= fit:
        size = (-(-width // factor), -(-height // factor))
    else:
        size = scaled_size(header.size, fit / max(width, height))
    from portrait.imaging import png_banded as banded  # ISA-L: loaded when a PNG shrinks

    image = (banded.decode_reduced(request.data, factor, header.size) if size is None
             else banded.decode_resized(request.data, size, header.size))
    if image is None:
        return None
    image.info = {**header.info, **image.info}
    return image, factor if size is None else width / size[0], header.mode


LOADERS: dict[str, Loader] = {"jpeg": jpeg_draft, "png": png_banded}


def pillow(request: DecodeRequest) -> DecodedSource:
    """Any format, by Pillow: the header, the dimensions, the frames, then the first frame
    loaded by the format's loader when one makes it smaller, else whole."""
    data, fmt, limits = request.data, request.fmt, request.limits
    # catch_warnings swaps the process's filter list for the duration (and _ceiling the
    # process's pixel ceiling): fine for a Lambda handler (one request per process at a
    # time), not for callers decoding from several threads at once.
    with warnings.catch_warnings(), _ceiling(limits.max_pixels):
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[fmt]])
        except BOMB as exc:
            raise bomb(str(exc), limits) from None
        except MALFORMED as exc:
            raise rejected("corrupt", f"the {fmt} header cannot be read: {exc}", limits) from None
        width, height = image.size
        check_dimensions(width, height, limits)
        try:
            frames = (fmt == "gif" and gif_frame_count(data)) or getattr(image, "n_frames", 1)
            image.seek(0)
            loader = LOADERS.get(fmt)
            loaded = loader(request, image, frames) if loader else None
            if loaded is None:
                image.load()
                loaded = image, 1, image.mode
        except BOMB as exc:
            raise bomb(str(exc), limits) from None
        except MALFORMED as exc:  # png_banded's PngDecodeError is a ValueError
            raise request.corrupt(exc) from None
    image, scale, mode = loaded
    # Found by fuzzing: a PNG of colour type 3 with no PLTE chunk decodes to mode P with
    # no palette, which Pillow itself trips over later (an AssertionError).
    if image.mode in ("P", "PA") and image.palette is None:
        raise rejected("corrupt", "a palette image without its palette", limits)
    info = SourceInfo(format=fmt, width=width, height=height, frames=frames, mode=mode,
                      bytes=len(data))
    return DecodedSource(info=info, image=image, scale=scale)


# Each format's decoders, tried in order; Pillow's ends every row and always answers.
DECODERS: dict[str, tuple[Decoder, ...]] = {
    "jpeg": (pillow,), "png": (pillow,), "gif": (pillow,), "webp": (webp_scaled, pillow),
}


@contextmanager
def _ceiling(max_pixels: int) -> Iterator[None]:
    """Pillow's own bomb check at `max_pixels` while decoding, when these limits allow
    more than the process-wide ceiling (portfolio images: up to 8192 px a side). The
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
