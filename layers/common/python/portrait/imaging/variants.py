"""The avatar variants: centre-cropped squares, encoded without any metadata.

Pipeline (docs/ARCHITECTURE.md §9): validate and decode (a JPEG shrunk on load),
cut the square once at the largest size, then a cascade: each smaller size is
resized from the previous one. Each image is handed to the encoder pool as
soon as it exists, so the 1024 encode (the longest step) overlaps the rest.

Threads, not processes: Pillow's WebP encode runs with the GIL released
(bench/bench_variants.py: four 1024 encodes go x1.9 faster on two cores;
the JPEG encoder, fed in chunks from Python, only x1.2). A process pool
would pickle the pixels both ways, and multiprocessing's pools do not work
on Lambda at all (no /dev/shm).
"""
from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from threading import Lock

from PIL import Image

from portrait.imaging.framing import CENTRE, FACE, frame_source
from portrait.imaging.heap import release_free_memory
from portrait.imaging.prepare import square_source
from portrait.imaging.validate import AVATAR_LIMITS, DecodedSource, Limits, SourceInfo, decode
from portrait.sizes import AVATAR_SIZES

OUTPUT_FORMATS = ("webp", "jpeg")
CONTENT_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}

WEBP_QUALITY = 80
# Encoder effort, chosen by cost (bench/bench_imaging.py's method tables, README "Encoder
# effort"): a method is used for a size when the CPU it adds over libwebp's default 4 is
# repaid in CDN egress within 10 views of that size. Opaque images: method 6 makes the five
# variants 14.6 % smaller for ~40 ms more CPU and pays back by the 4th view at worst.
# Transparent ones differ: libwebp compresses the alpha plane losslessly at an effort that
# follows the method, and method 6 costs about a second per variant (4.3 s for the five,
# for 12 % fewer bytes); method 5 pays back within 10 views only at 1024 px.
# AVATAR_WEBP_METHOD and AVATAR_WEBP_ALPHA_METHOD override them (one method, every size).
WEBP_METHOD = 6
# Per size, the nearest listed size's method applies (webp_method_for): 5 from 1024 px up, 4 below.
WEBP_ALPHA_METHOD: Mapping[int, int] = {1024: 5, 512: 4}
JPEG_QUALITY = 85
_FLATTEN_ON = (255, 255, 255)  # JPEG has no alpha: transparent areas become white


@dataclass(frozen=True)
class Variant:
    name: str  # "thumbnail" | "small" | "medium" | "large" | "full"
    format: str  # "webp" | "jpeg"
    width: int  # real dimensions: smaller than asked when the source is
    height: int
    content_type: str
    body: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class VariantSet:
    source: SourceInfo
    variants: tuple[Variant, ...]  # largest size first; formats in the order asked for
    framing: str = CENTRE  # where the square was cut: "face" or "centre"

    def get(self, name: str, format: str = "webp") -> Variant:
        for variant in self.variants:
            if variant.name == name and variant.format == format:
                return variant
        raise KeyError((name, format))


def make_variants(
    data: bytes,
    *,
    limits: Limits = AVATAR_LIMITS,
    sizes: Mapping[str, int] = AVATAR_SIZES,
    formats: Sequence[str] = ("webp",),
    webp_quality: int = WEBP_QUALITY,
    webp_method: int | Mapping[int, int] = WEBP_METHOD,
    webp_alpha_method: int | Mapping[int, int] = WEBP_ALPHA_METHOD,
    jpeg_quality: int = JPEG_QUALITY,
    workers: int | None = None,
    frame_faces: bool = True,
) -> VariantSet:
    """Validate `data` and encode every size in every format.

    Raises ImageRejected when the source is refused. `workers` is the number
    of encoder threads (default: the cores this process may use; 1 encodes
    inline, with no thread at all). A WebP method is one number for every size,
    or one per size (a size missing from the map takes the nearest size's);
    `webp_alpha_method` applies to images with transparency. With `frame_faces`, a
    photo with exactly one face is framed around it (framing.py), else at the centre.
    """
    unknown = [f for f in formats if f not in CONTENT_TYPES]
    if unknown or not formats:
        raise ValueError(f"output formats must be among {OUTPUT_FORMATS}, got {list(formats)}")
    if not sizes or min(sizes.values()) < 1:
        raise ValueError("sizes must be positive")
    largest = max(sizes.values())
    source = decode(data, limits, at_least=largest)
    info, pool = source.info, _encoder_pool(workers)
    framing = frame_source(source) if frame_faces else None
    if framing and framing.kind == FACE:
        at_least = _redecode_at_least(source, framing.box, largest)
        if at_least:
            del source  # the drafted frame goes before the larger one is decoded
            source = decode(data, limits, at_least=at_least)
    square = square_source(source, largest, pool, box=framing.box if framing else None)
    del source  # the decoded frame is not needed while encoding: it leaves the peak
    # With transparency, freed pages go back to the kernel twice (heap.py): what the decode
    # freed, before libwebp's alpha coder grows the heap, and what the coder freed, before
    # the next image's decode in this warm process piles on top of it.
    alpha = square.mode == "RGBA"
    if alpha:
        release_free_memory()
    settings = {"webp_quality": webp_quality, "webp_method": webp_method,
                "webp_alpha_method": webp_alpha_method, "jpeg_quality": jpeg_quality}
    try:
        variants = _render(square, sizes, tuple(formats), settings, pool)
    finally:
        if alpha:
            release_free_memory()
    return VariantSet(source=info, variants=variants,
                      framing=framing.kind if framing else CENTRE)


def _redecode_at_least(source: DecodedSource, box: tuple[int, int, int, int],
                       largest: int) -> int | None:
    """None when `source` has the pixels a face's square needs; else the `at_least` to
    decode it again with. A source shrunk on load for the centre square can have too few
    for a smaller face square: a small face is cut from a larger decode, never upscaled
    from a draft."""
    side = box[2] - box[0]
    wanted = min(largest, side)
    if side / source.scale >= wanted:
        return None
    return -(-wanted * min(source.info.width, source.info.height) // side)


def _render(current: Image.Image, sizes: Mapping[str, int], formats: tuple[str, ...],
            settings: dict, pool: ThreadPoolExecutor | None) -> tuple[Variant, ...]:
    """Every size from the largest square (`current`), each encoded as soon as it exists."""
    ordered = sorted(sizes.items(), key=lambda item: item[1], reverse=True)
    # Opaque: a cascade, each size from the one before (cheapest). With alpha, every size is
    # made from the largest, premultiplied once: libwebp stores alpha losslessly, and a
    # cascade's second and third 2x steps leave the 256 px alpha plane 65 % larger (a
    # 12 MP RGBA PNG: 7.5 KB against 4.5 KB, for 18 ms less CPU: repaid in one view).
    alpha = current.mode == "RGBA"
    largest = current.convert("RGBa") if alpha else current
    pending: list[tuple[str, str, Image.Image, Future[bytes] | bytes]] = []
    encoded: dict[tuple[int, str], Future[bytes] | bytes] = {}
    alpha_webp_pooled = False
    for name, size in ordered:
        if size < current.width:  # never upscale: a larger ask keeps the current size
            if alpha:
                current = largest.resize((size, size), Image.Resampling.LANCZOS).convert("RGBA")
            else:
                current = current.resize((size, size), Image.Resampling.LANCZOS,
                                         reducing_gap=2.0)
        for fmt in formats:
            key = (current.width, fmt)  # sizes capped to the same dimensions share one encode
            if key not in encoded:
                # save() stores its settings on the image object, so two encodes
                # running at once must not share one: the second format gets a copy.
                image = current if fmt == formats[0] else current.copy()
                # With alpha, one WebP encode goes to the pool, the first (largest); this
                # thread encodes the other WebPs one by one meanwhile. libwebp's lossless
                # alpha coder takes about 20 bytes a pixel, and two side by side broke the
                # memory bound (a 12 MP RGBA PNG: 66 -> about 62 MB above the interpreter,
                # 57 with heap.py), for the same wall time. JPEGs (flattened) are small.
                alpha_webp = alpha and fmt == "webp"
                background = pool is not None and not (alpha_webp and alpha_webp_pooled)
                alpha_webp_pooled = alpha_webp_pooled or (background and alpha_webp)
                encoded[key] = (pool.submit(_encode, image, fmt, settings) if background
                                else _encode(image, fmt, settings))
            pending.append((name, fmt, current, encoded[key]))

    variants = []
    for name, fmt, image, body in pending:
        body = body.result() if isinstance(body, Future) else body
        variants.append(Variant(name=name, format=fmt, width=image.width, height=image.height,
                                content_type=CONTENT_TYPES[fmt], body=body))
    return tuple(variants)


def _encode(image: Image.Image, fmt: str, settings: dict) -> bytes:
    """Encode with no metadata: no EXIF, XMP or ICC profile is passed, and the
    image itself carries an empty info (square_source clears it)."""
    out = io.BytesIO()
    if fmt == "webp":
        method = settings.get("webp_alpha_method") if image.mode == "RGBA" else None
        method = webp_method_for(method if method is not None else settings["webp_method"],
                                 image.width)
        image.save(out, "WEBP", quality=settings["webp_quality"], method=method,
                   exif=b"", xmp=b"", icc_profile=None)
    else:
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, _FLATTEN_ON)
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(out, "JPEG", quality=settings["jpeg_quality"], optimize=True,
                   exif=b"", xmp=b"", icc_profile=None)
    return out.getvalue()


def webp_method_for(method: int | Mapping[int, int], side: int) -> int:
    """The method for an image `side` pixels wide: one for all, or the nearest size's."""
    if isinstance(method, Mapping):
        return method[min(method, key=lambda size: (abs(size - side), -size))]
    return method


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = Lock()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _encoder_pool(workers: int | None) -> ThreadPoolExecutor | None:
    """A long-lived pool per size (kept across warm Lambda invocations); None for 1."""
    count = workers if workers is not None else usable_cores()
    if count <= 1:
        return None
    with _pools_lock:
        if count not in _pools:
            _pools[count] = ThreadPoolExecutor(max_workers=count, thread_name_prefix="encode")
        return _pools[count]
