"""Turn a decoded source into the square, upright, sRGB image the variants come from.

The expensive steps run on the small result, not on the source: the square is
cut and shrunk first (in the stored orientation: framing.py maps a square chosen
on the upright picture back onto the stored pixels), then colour conversion and
rotation touch at most 1024 x 1024 pixels.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable
from concurrent.futures import Executor
from functools import lru_cache

from PIL import ExifTags, Image, ImageCms

from portrait.imaging.modes import has_alpha, premultiplied, resizable, unpremultiplied
from portrait.imaging.validate import DecodedSource, scaled_size

# The same table as PIL.ImageOps.exif_transpose, which only works on the image
# that still carries the EXIF block; we apply it to the shrunk copy instead.
_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# reduce() by the largest integer factor that stays at least this many times the target,
# then one Lanczos step: 1 is issue 14's "largest integer factor first" (a 3000 px square
# to 1024: 1500, then Lanczos; 87 -> 30 ms, variants' SSIM within 0.0035 of a pure
# Lanczos). A JPEG shrunk on load is under 2 x its target, so it never reduces.
REDUCING_GAP = 1.0
# ... except under an alpha channel, which WebP stores losslessly: there the box filter's
# aliasing costs bytes (a 12 MP RGBA PNG's 1024 px alpha plane: 57 KB against 50 KB) worth
# more than the CPU it saves (about 25 ms), so only a reduction of 2 x or more is boxed.
ALPHA_REDUCING_GAP = 2.0
_BAND_ROWS = 512  # rows converted to premultiplied alpha at a time (8 MB of a 4096-wide frame)


def square_source(source: DecodedSource, side: int, executor: Executor | None = None,
                  box: tuple[int, int, int, int] | None = None) -> Image.Image:
    """A square of the source, at most `side` pixels (never upscaled), upright, in sRGB,
    RGB or RGBA (alpha only if some pixel is not opaque), with no metadata attached.
    `box` is the square on the stored pixels at the source's real size (framing.py
    chooses it around a face); the centred one by default. `executor` lets the first
    resize use two cores."""
    image = source.image
    icc_profile = image.info.get("icc_profile")
    orientation = exif_orientation(image)

    # The crop is computed on the source's real size, then mapped onto the
    # possibly shrunk-on-load pixels.
    if box is None:
        short = min(source.info.width, source.info.height)
        left, top = (source.info.width - short) // 2, (source.info.height - short) // 2
        box = (left, top, left + short, top + short)
    left, top, right, _ = box
    short = right - left
    target = min(side, short)
    if source.scale == 1 and target == short:
        square = resizable(image.crop(box))
    else:
        k = 1 / source.scale
        box = tuple(v * k for v in box)
        alpha = has_alpha(image.mode) or image.has_transparency_data
        square = resize_in_strips(image, target, box, executor, prepare=resizable,
                                  reducing_gap=ALPHA_REDUCING_GAP if alpha else REDUCING_GAP)

    square = turn_upright(_drop_opaque_alpha(to_srgb(square, icc_profile)), orientation)
    square.info = {}  # nothing of the source's metadata travels further
    return square


def turn_upright(image: Image.Image, orientation: int) -> Image.Image:
    """`image` as seen: the EXIF orientation (1..8) applied."""
    transpose = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image.transpose(transpose) if transpose is not None else image


def upright_srgb(source: DecodedSource, shorter_side: int | None = None, *,
                 longer_side: int | None = None, slack: float = 1.0) -> Image.Image:
    """The whole source, its shorter side at most `shorter_side` (or its longer side at
    most `longer_side`; never upscaled), upright, in sRGB, RGB or RGBA, with no
    metadata: for callers that choose their own crop (the portrait preview's face
    window, a portfolio thumbnail) or show the whole picture.

    slack < 1: an integer reduce() that lands within that fraction of the size asked
    for is the result (what a JPEG's DCT scaling gives for free; a 4000 px PNG shown
    at 2000 instead of 2048 costs a box filter, not a Lanczos pass over 12 MP)."""
    image = source.image
    icc_profile = image.info.get("icc_profile")
    orientation = exif_orientation(image)
    # Scale from the source's real size: a JPEG may be shrunk on load already.
    width, height = source.info.width, source.info.height
    ratio = min(1.0, shorter_side / min(width, height) if shorter_side else 1.0,
                longer_side / max(width, height) if longer_side else 1.0)
    size = scaled_size((width, height), ratio)
    factor = int(max(image.size) / (max(size) * slack)) if slack < 1 else 1
    if factor > 1 and max(image.size) / factor <= max(size):
        image = unpremultiplied(reduce_region(image, factor, (0, 0, *image.size), resizable))
    elif size != image.size:
        image = resize_in_strips(image, size, (0, 0, *image.size), prepare=resizable)
    else:
        image = resizable(image)
    image = turn_upright(_drop_opaque_alpha(to_srgb(image, icc_profile)), orientation)
    image.info = {}
    return image


def resize_in_strips(image: Image.Image, size: int | tuple[int, int],
                     box: tuple[float, float, float, float], executor: Executor | None = None,
                     strips: int = 2, reducing_gap: float = REDUCING_GAP,
                     prepare: Callable[[Image.Image], Image.Image] | None = None) -> Image.Image:
    """Resize `box` of `image` to `size` (a side: a square): first reduce() the box by the
    largest integer factor that keeps it at least `reducing_gap` x size (a box filter, about 1/10
    of a Lanczos pass over the same pixels), then one Lanczos resize, as horizontal strips.

    Pillow resamples on one core with the GIL released, so each strip is a task. A
    strip's filter still reads the source rows beyond its own box, so the strips equal a
    single resize (to one level, where a strip edge's float rounding moves a tap). The
    strip count is fixed (not the worker count): the output never depends on the cores.
    `prepare` turns the source into a mode that resizes well (see modes.resizable); with a
    reduction it runs band by band, on the box only, so a palette or 16-bit frame is never
    converted whole.
    """
    width, height = (size, size) if isinstance(size, int) else size
    x0, y0, x1, y1 = box
    factor = int(min((x1 - x0) / width, (y1 - y0) / height) / reducing_gap)
    if factor > 1:
        region = _aligned(box, factor, image.size)
        image = reduce_region(image, factor, region, prepare)
        box = tuple((v - o) / factor for v, o in zip(box, region[:2] * 2))
    else:
        # Under 2 x the target: a small image, converted whole.
        image = premultiplied(prepare(image) if prepare else image)
    x0, y0, x1, y1 = box
    strips = max(1, min(strips, height))
    rows = [height * i // strips for i in range(strips + 1)]
    step = (y1 - y0) / height
    jobs = []
    for top, bottom in zip(rows, rows[1:]):
        # The last strip ends on y1 itself: top + n * step may overshoot it by an ulp.
        strip_box = (x0, y0 + top * step, x1, y1 if bottom == height else y0 + bottom * step)
        args = ((width, bottom - top), Image.Resampling.LANCZOS, strip_box)
        strip = executor.submit(image.resize, *args) if executor else image.resize(*args)
        jobs.append((top, strip))
    out = Image.new(image.mode, (width, height))
    for top, strip in jobs:
        out.paste(strip.result() if executor else strip, (0, top))
    return unpremultiplied(out)


def reduce_region(image: Image.Image, factor: int, region: tuple[int, int, int, int],
                  prepare: Callable[[Image.Image], Image.Image] | None = None) -> Image.Image:
    """image.reduce(factor, box=region), after `prepare` (a mode conversion); with alpha,
    the result stays premultiplied (RGBa or La, ready for a Lanczos resize). Conversions
    run one band of rows at a time, so a 4096 x 4096 RGBA (or a palette) frame is never
    copied whole."""
    if prepare is None and not has_alpha(image.mode):
        return image.reduce(factor, box=region)
    x0, y0, x1, y1 = region
    out = None
    band = max(factor, _BAND_ROWS // factor * factor)  # a multiple: the blocks line up
    for top in range(y0, y1, band):
        rows = image.crop((x0, top, x1, min(top + band, y1)))
        rows = premultiplied(prepare(rows) if prepare else rows)
        if out is None:
            out = Image.new(rows.mode, (-(-(x1 - x0) // factor), -(-(y1 - y0) // factor)))
        out.paste(rows.reduce(factor), (0, (top - y0) // factor))
    return out


def _aligned(box: tuple[float, float, float, float], factor: int,
             size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The whole pixels under `box`, its far edges extended to whole blocks of `factor`
    (within the image), so every reduced pixel averages a full block where one exists."""
    x0, y0 = int(box[0]), int(box[1])
    x1 = min(size[0], x0 + -(-(math.ceil(box[2]) - x0) // factor) * factor)
    y1 = min(size[1], y0 + -(-(math.ceil(box[3]) - y0) // factor) * factor)
    return x0, y0, x1, y1


def exif_orientation(image: Image.Image) -> int:
    """The EXIF Orientation tag (1..8), 1 when absent or unreadable."""
    try:
        value = int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # noqa: BLE001 - a malformed EXIF block must not block an upload
        return 1
    return value if value in range(1, 9) else 1


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert through the embedded ICC profile to sRGB; RGB or RGBA out.

    An image without a profile is taken to be sRGB already. A profile that
    lcms cannot use (malformed, or for another colour space than the pixels)
    is ignored the same way: slightly off colours beat a refused upload.
    """
    out_mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
    if icc_profile:
        try:
            return _transform_to_srgb(icc_profile, image.mode, out_mode).apply(image)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return image if image.mode == out_mode else image.convert(out_mode)


@lru_cache(maxsize=16)  # a handful of camera/phone profiles cover most uploads
def _transform_to_srgb(icc_profile: bytes, in_mode: str,
                       out_mode: str) -> ImageCms.ImageCmsTransform:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    return ImageCms.buildTransform(source, _SRGB, in_mode, out_mode)


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    # An alpha channel where every pixel is opaque only costs encode time and bytes.
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB")
    return image
