"""Portfolio images (display image and thumbnail, on the avatar pipeline's code).

    validate (as avatars, sides up to 8192 px) -> the whole picture upright, in sRGB,
    its longer side at most 2048 px (never upscaled) -> a WebP display image
    and a 300 x 300 centre-cropped JPEG thumbnail (q85), both without metadata.

The thumbnail is cut from the display image, which is already upright and
sRGB: one decode, one colour transform, one rotation for both outputs.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from PIL import Image

from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, SourceInfo, decode
from portrait.imaging.variants import CONTENT_TYPES, Variant, _encode, _encoder_pool
from portrait.sizes import MEDIA_THUMBNAIL_SIDE

MEDIA_MAX_BYTES = 10 * 1024 * 1024
MEDIA_MAX_SIDE = 8192
# 8192 x 6144 (4:3 at the longest side we take): a real camera's largest frame, and
# what bounds the decode's memory (about 150 MB of RGB at worst, in a 3 GB function).
MEDIA_MAX_PIXELS = 8192 * 6144
MEDIA_MIN_SIDE = 16
DISPLAY_LONG_EDGE = 2048  # at most: a JPEG may come out a little smaller (DRAFT_SLACK)
DRAFT_SLACK = 0.9
THUMBNAIL_SIDE = MEDIA_THUMBNAIL_SIDE
THUMBNAIL_QUALITY = 85  # the portfolio clients' thumbnails: JPEG, quality 85
DISPLAY_QUALITY = 80
DISPLAY_METHOD = 4


def media_limits(max_bytes: int = MEDIA_MAX_BYTES) -> Limits:
    return Limits(max_bytes=max_bytes, min_side=MEDIA_MIN_SIDE, max_side=MEDIA_MAX_SIDE,
                  max_pixels=MEDIA_MAX_PIXELS)


@dataclass(frozen=True)
class MediaImages:
    source: SourceInfo
    display: Variant  # WebP, the whole picture
    thumbnail: Variant  # JPEG, THUMBNAIL_SIDE square


def make_media_images(data: bytes, *, limits: Limits | None = None,
                      workers: int | None = None) -> MediaImages:
    """Validate `data` and encode its display image and thumbnail; ImageRejected with
    the reason if refused. The two encodes run side by side when `workers` > 1."""
    limits = limits or media_limits()
    # A JPEG is decoded at the smallest DCT scale whose longer side is still within 10 %
    # of the display size: a 4000 x 3000 photo at 1/2 is 2000 px, which is shown as it
    # is (no resize at all) instead of a full decode and a 12 MP resize to 2048. A WebP
    # shrinks on load by the same rule; a PNG is resized to the display size with Lanczos
    # as it decodes (decoders.png_banded); anything else still larger takes
    # the same integer reduction (upright_srgb's slack).
    source = decode(data, limits, fit_within=DISPLAY_LONG_EDGE, slack=DRAFT_SLACK)
    # Never above what was decoded: a drafted JPEG is shown at its decoded size, not
    # scaled back up to the display size (bench/bench_imaging.py's SSIM caught that).
    display = upright_srgb(source, longer_side=min(DISPLAY_LONG_EDGE, max(source.image.size)),
                           slack=DRAFT_SLACK)
    info = source.info
    del source  # the decoded frame is not needed while encoding: it leaves the peak
    thumbnail = centre_square(display, THUMBNAIL_SIDE)
    settings = {"webp_quality": DISPLAY_QUALITY, "webp_method": DISPLAY_METHOD,
                "jpeg_quality": THUMBNAIL_QUALITY}
    pool = _encoder_pool(workers)
    jobs: list[Future[bytes] | bytes] = [
        pool.submit(_encode, image, fmt, settings) if pool else _encode(image, fmt, settings)
        for image, fmt in ((display, "webp"), (thumbnail, "jpeg"))]
    display_body, thumbnail_body = (job.result() if isinstance(job, Future) else job
                                    for job in jobs)
    return MediaImages(
        source=info,
        display=Variant(name="display", format="webp", width=display.width,
                        height=display.height, content_type=CONTENT_TYPES["webp"],
                        body=display_body),
        thumbnail=Variant(name="thumbnail", format="jpeg", width=THUMBNAIL_SIDE,
                          height=THUMBNAIL_SIDE, content_type=CONTENT_TYPES["jpeg"],
                          body=thumbnail_body))


def centre_square(image: Image.Image, side: int) -> Image.Image:
    """The centred square of `image`, resized to side x side: down from a large
    picture, up from one smaller than `side` (a thumbnail grid needs the one size)."""
    short = min(image.size)
    left, top = (image.width - short) // 2, (image.height - short) // 2
    box = (left, top, left + short, top + short)
    if short == side:
        return image.crop(box)
    return image.resize((side, side), Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)
