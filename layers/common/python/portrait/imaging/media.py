"""Portfolio images (display copies and thumbnail, on the avatar pipeline's code).

    validate (as avatars, sides up to 8192 px) -> the whole picture upright, in sRGB,
    its longer side at most 2048 px (never upscaled) -> WebP display copies on a ladder
    of longer sides (display_ladder: 640, 1280, 2048) and a 300 x 300 centre-cropped
    JPEG thumbnail (q85), all without metadata.

The smaller copies and the thumbnail are cut from the largest copy, which is already
upright and sRGB: one decode, one colour transform, one rotation for every output.
The original upload itself is not touched here: it is kept byte for byte by the
caller (services.portfolio.media_processing).
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from portrait.imaging.prepare import upright_srgb
from portrait.imaging.validate import Limits, SourceInfo, decode, scaled_size
from portrait.imaging.variants import CONTENT_TYPES, Variant, _encode, _encoder_pool
from portrait.sizes import MEDIA_DISPLAY_SIDES, MEDIA_THUMBNAIL_SIDE

MEDIA_MAX_BYTES = 10 * 1024 * 1024
MEDIA_MAX_SIDE = 8192
# 8192 x 6144 (4:3 at the longest side we take): a real camera's largest frame, and
# what bounds the decode's memory (about 150 MB of RGB at worst, in a 3 GB function).
MEDIA_MAX_PIXELS = 8192 * 6144
MEDIA_MIN_SIDE = 16
DISPLAY_SIDES = MEDIA_DISPLAY_SIDES  # longer sides, smallest first
DISPLAY_LONG_EDGE = DISPLAY_SIDES[-1]  # at most: a JPEG may come out a little smaller (DRAFT_SLACK)
# A decode that shrinks for free (a JPEG's DCT scale, a WebP's libwebp scale) and lands
# within 10 % under the largest rung is used as it is: a 4000 px photo's largest copy is
# its 2000 px draft, not a full 12 MP decode and resize (4x the decode, a 48 MB frame:
# README, "Imaging at the floor"). The same slack keeps a rung that close under the
# largest copy from being made at all: a 1300 px picture gets 640 and 1300, not 1280 too.
DRAFT_SLACK = 0.9
THUMBNAIL_SIDE = MEDIA_THUMBNAIL_SIDE
THUMBNAIL_QUALITY = 85  # the portfolio clients' thumbnails: JPEG, quality 85
DISPLAY_QUALITY = 80
DISPLAY_METHOD = 4


def display_ladder(longer: int, sides: tuple[int, ...] = DISPLAY_SIDES,
                   slack: float = DRAFT_SLACK) -> tuple[int, ...]:
    """The longer sides of the display copies of a picture whose largest copy is `longer`
    pixels on its longer side (at most the top rung: never upscaled), smallest first: every
    rung clearly below it, then the largest copy itself, once. A 900 px picture gets
    (640, 900); a 4000 px one (640, 1280, 2048), or (640, 1280, 2000) from a 1/2 draft."""
    if longer < 1:
        raise ValueError("a picture has at least one pixel")
    longer = min(longer, sides[-1])
    return (*(side for side in sides if side < longer * slack), longer)


def media_limits(max_bytes: int = MEDIA_MAX_BYTES) -> Limits:
    return Limits(max_bytes=max_bytes, min_side=MEDIA_MIN_SIDE, max_side=MEDIA_MAX_SIDE,
                  max_pixels=MEDIA_MAX_PIXELS)


@dataclass(frozen=True)
class MediaImages:
    source: SourceInfo
    sizes: tuple[Variant, ...]  # WebP, the whole picture, smallest first (display_ladder)
    thumbnail: Variant  # JPEG, THUMBNAIL_SIDE square

    @property
    def display(self) -> Variant:
        """The largest display copy (what a client without srcset shows)."""
        return self.sizes[-1]


def make_media_images(data: bytes, *, limits: Limits | None = None,
                      workers: int | None = None) -> MediaImages:
    """Validate `data` and encode its display copies and thumbnail; ImageRejected with
    the reason if refused. The thumbnail's encode runs beside the display copies' when
    `workers` > 1."""
    limits = limits or media_limits()
    # A JPEG is decoded at the smallest DCT scale whose longer side is still within 10 %
    # of the top rung: a 4000 x 3000 photo at 1/2 is 2000 px, which is used as it is
    # (no resize at all) instead of a full decode and a 12 MP resize to 2048. A WebP
    # shrinks on load by the same rule; a PNG is resized to the top rung with Lanczos
    # as it decodes (decoders.png_banded); anything else still larger takes
    # the same integer reduction (upright_srgb's slack).
    source = decode(data, limits, fit_within=DISPLAY_LONG_EDGE, slack=DRAFT_SLACK)
    # Never above what was decoded: a drafted JPEG is shown at its decoded size, not
    # scaled back up to the top rung (bench/bench_imaging.py's SSIM caught that).
    largest = upright_srgb(source, longer_side=min(DISPLAY_LONG_EDGE, max(source.image.size)),
                           slack=DRAFT_SLACK)
    info = source.info
    del source  # the decoded frame is not needed while encoding: it leaves the peak
    copies = [*(_shrunk(largest, side) for side in display_ladder(max(largest.size))[:-1]),
              largest]
    thumbnail = centre_square(largest, THUMBNAIL_SIDE)
    del largest  # copies[-1]: let go of with the others, once encoded
    settings = {"webp_quality": DISPLAY_QUALITY, "webp_method": DISPLAY_METHOD,
                "jpeg_quality": THUMBNAIL_QUALITY}
    pool = _encoder_pool(workers)
    thumbnail_job = pool.submit(_encode, thumbnail, "jpeg", settings) if pool else None
    # One WebP encode at a time, smallest first, each copy let go of once encoded: the
    # largest copy's encode (the longest step and the most memory) then runs with only
    # itself and the thumbnail resident. Two side by side broke issue 14's memory bound
    # (a 12 MP GIF: 63 MB above the interpreter, against 64) for no time in AWS, where
    # ThumbnailFunction has one vCPU; the small JPEG still overlaps them.
    sizes = []
    for index, image in enumerate(copies):
        copies[index] = None
        sizes.append(Variant(name="display", format="webp", width=image.width,
                             height=image.height, content_type=CONTENT_TYPES["webp"],
                             body=_encode(image, "webp", settings)))
        del image
    thumbnail_body = (thumbnail_job.result() if thumbnail_job
                      else _encode(thumbnail, "jpeg", settings))
    return MediaImages(
        source=info, sizes=tuple(sizes),
        thumbnail=Variant(name="thumbnail", format="jpeg", width=THUMBNAIL_SIDE,
                          height=THUMBNAIL_SIDE, content_type=CONTENT_TYPES["jpeg"],
                          body=thumbnail_body))


def _shrunk(image: Image.Image, longer: int) -> Image.Image:
    """`image` with its longer side `longer` (smaller than it is), by one Lanczos pass
    straight from the largest copy (not a cascade: each copy is one filter away from the
    same pixels). Pillow's resize weights colour by alpha itself (RGBA is filtered
    premultiplied), so a transparent pixel's hidden colour does not bleed."""
    out = image.resize(scaled_size(image.size, longer / max(image.size)),
                       Image.Resampling.LANCZOS)
    out.info = {}
    return out


def centre_square(image: Image.Image, side: int) -> Image.Image:
    """The centred square of `image`, resized to side x side: down from a large
    picture, up from one smaller than `side` (a thumbnail grid needs the one size)."""
    short = min(image.size)
    left, top = (image.width - short) // 2, (image.height - short) // 2
    box = (left, top, left + short, top + short)
    if short == side:
        return image.crop(box)
    return image.resize((side, side), Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)
