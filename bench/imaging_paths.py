"""The timed paths of bench/bench_imaging.py, each run in a process of its own.

A helper, not a benchmark: run without arguments (as `make bench` does with
every bench/*.py) it does nothing. bench_imaging.py starts it as

    python imaging_paths.py worker PATH INPUT_FILE WORKDIR [--threads N]

and then talks to it over stdin/stdout, one JSON line per answer:

    (start)  -> {"ready": true, "baseline_kb": VmRSS after imports and setup}
    "save"   -> one run whose outputs are written to WORKDIR/PATH/ (the warm-up)
    "run"    -> {"cpu": s, "wall": s, "busiest": s, "parts": {...}}  (process CPU, wall,
                the CPU of the busiest Python thread, main or a pool's, and for the
                floor the decode's CPU)
    "quit"   -> {"hwm_kb": VmHWM, the process's peak RSS}

Sizes, qualities and WebP methods come from the environment (BENCH_IMAGING_SETTINGS,
which bench_imaging.py fills from portrait.imaging). One process per path keeps each
path's peak RSS its own. The pyvips paths run
in the bench's separate venv (pyvips, no Pillow); so nothing at the top of this
file may import Pillow or portrait.

Paths (the kind, "variants" or "media", then who does it):
  variants-portrait  make_variants: five WebP squares 1024..64 (Portrait's avatar path),
                     called with limits wide enough for every input
  variants-before,   the same two calls on another revision's portrait package
  media-before       (BENCH_PORTRAIT_PATH), for a before/after in one run
  variants-floor     decode at the draft scale the 1024 square allows, then encode five
                     already-resized squares (WORKDIR/prepared/variants.pickle); no resizing
  variants-naive     full decode, exif_transpose, per size: crop centre square, LANCZOS
                     from the full image, encode (one thread)
  variants-pyvips    thumbnail_buffer (shrink-on-load, crop centre) to 1024, then a cascade
                     of thumbnail_image steps, webpsave with the same Q and effort, keep=none
  media-portrait     make_media_images: display WebP (longer side <= 2048) + 300 px JPEG
  (the others fit the display to display_long_edge: the longer side Portrait's has for
  this input, which bench_imaging.py puts in each input's settings)
  media-floor        decode at the draft scale that display allows, then encode the
                     already-resized display and 300 px thumbnail
  media-naive        full decode, exif_transpose, LANCZOS to fit, centre square of the
                     full image LANCZOS to 300, encode both (one thread)
  media-pyvips       thumbnail_buffer to fit, webpsave; thumbnail_image of its centre
                     to 300, flatten on white, jpegsave Q85 optimize_coding, keep=none
"""
from __future__ import annotations

import io
import json
import os
import pickle
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Portrait's output settings. bench_imaging.py reads them from portrait.imaging and hands
# them to every worker (BENCH_IMAGING_SETTINGS, JSON), so the floor, naive Pillow and
# pyvips always encode what Portrait encodes, as Portrait does; these defaults only
# serve a worker started by hand. The variant methods may also map sizes to methods.
DEFAULT_SETTINGS = {
    "sizes": [1024, 512, 256, 128, 64], "variant_quality": 80, "variant_method": 4,
    "variant_alpha_method": 4,
    "display_long_edge": 2048, "display_quality": 80, "display_method": 4,
    "thumb_side": 300, "jpeg_quality": 85,
}
# Limits wide enough for every bench input (24 MP, a 25 MB PNG): the bench measures
# the image work, not the upload limits.
MAX_BYTES = 256 * 1024 * 1024
MAX_SIDE = 8192
MAX_PIXELS = 8192 * 6144


def settings() -> dict:
    return {**DEFAULT_SETTINGS, **json.loads(os.environ.get("BENCH_IMAGING_SETTINGS", "{}"))}


def method_for(given: dict, size: int, alpha: bool = False) -> int:
    """The variant WebP method for a square `size` px wide: Portrait's "variant_method" for
    opaque images, "variant_alpha_method" for transparent ones; each one number or a map
    of sizes (keys maybe strings, as JSON has them) where a missing size takes the nearest."""
    method = given.get("variant_alpha_method") if alpha else None
    method = given["variant_method"] if method is None else method
    if isinstance(method, dict):
        table = {int(key): value for key, value in method.items()}
        return int(table[min(table, key=lambda s: (abs(s - size), -s))])
    return int(method)


def pillow_encode(image, fmt: str, quality: int, method: int = 4) -> bytes:
    """Encode as portrait.imaging.variants does: no EXIF, XMP or ICC profile; a JPEG
    flattens any transparency on white and optimises its Huffman tables."""
    from PIL import Image
    out = io.BytesIO()
    if fmt == "webp":
        image.save(out, "WEBP", quality=quality, method=method, exif=b"", xmp=b"",
                   icc_profile=None)
    else:
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(out, "JPEG", quality=quality, optimize=True, exif=b"", xmp=b"",
                   icc_profile=None)
    return out.getvalue()


def status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


# --- Pillow paths ----------------------------------------------------------------------

def _pillow_paths(name: str, data: bytes, workdir: Path, threads: int | None):
    # A "-before" path runs another revision's portrait (bench_imaging.py unpacks it).
    sys.path.insert(0, os.environ.get("BENCH_PORTRAIT_PATH") or str(ROOT / "layers/common/python"))
    name = name.replace("-before", "-portrait")
    from concurrent.futures import ThreadPoolExecutor

    from PIL import Image, ImageOps

    from portrait.imaging import media, variants
    from portrait.imaging.validate import Limits, decode

    Image.init()  # every plugin imported now, so the baseline holds their code
    given = settings()
    sizes, long_edge, thumb_side = given["sizes"], given["display_long_edge"], given["thumb_side"]
    limits = Limits(max_bytes=MAX_BYTES, max_side=MAX_SIDE, max_pixels=MAX_PIXELS)
    media_limits = media.media_limits(MAX_BYTES)
    pool_size = threads if threads is not None else variants.usable_cores()
    pool = ThreadPoolExecutor(pool_size) if pool_size > 1 else None

    def open_first_frame(draft: tuple[int, int] | None) -> Image.Image:
        """Portrait's own decode, at the smallest scale that still covers `draft`: a JPEG
        by DCT scaling, a WebP by libwebp, a PNG band by band (GIF: whole)."""
        return decode(data, limits, at_least=min(draft) if draft else None).image

    def encode_all(jobs: list[tuple[str, Image.Image, str, int, int]]) -> dict[str, bytes]:
        if pool is None:
            return {role: pillow_encode(*job) for role, *job in jobs}
        futures = {role: pool.submit(pillow_encode, *job) for role, *job in jobs}
        return {role: future.result() for role, future in futures.items()}

    def upright_rgb(image: Image.Image) -> Image.Image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        return image

    def centre_box(image: Image.Image) -> tuple[int, int, int, int]:
        short = min(image.size)
        left, top = (image.width - short) // 2, (image.height - short) // 2
        return left, top, left + short, top + short

    if name == "variants-portrait":
        def run():
            result = variants.make_variants(data, limits=limits, workers=threads)
            return {str(variants.AVATAR_SIZES[v.name]): v.body for v in result.variants}
    elif name == "media-portrait":
        def run():
            result = media.make_media_images(data, limits=media_limits, workers=threads)
            return {"display": result.display.body, "thumb": result.thumbnail.body}
    elif name in ("variants-floor", "media-floor"):
        with open(workdir / "prepared" / f"{name.split('-')[0]}.pickle", "rb") as file:
            prepared = pickle.load(file)
        draft = tuple(prepared["draft"]) if prepared["draft"] else None
        # (role, image, format, quality, method): the parent chose Portrait's settings.
        jobs = [(role, Image.frombytes(mode, size, pixels), fmt, quality, method)
                for role, mode, size, pixels, fmt, quality, method in prepared["images"]]
        parts: dict[str, float] = {}

        def run():
            cpu = time.process_time()
            open_first_frame(draft)
            parts["decode"] = time.process_time() - cpu
            return encode_all(jobs)
        run.parts = parts  # the decode's share, reported with each run
    elif name == "variants-naive":
        def run():
            image = upright_rgb(open_first_frame(None))
            box = centre_box(image)
            out = {}
            for size in sizes:
                square = image.crop(box)
                if size < square.width:
                    square = square.resize((size, size), Image.Resampling.LANCZOS)
                out[str(size)] = pillow_encode(square, "webp", given["variant_quality"],
                                               method_for(given, size, square.mode == "RGBA"))
            return out
    elif name == "media-naive":
        def run():
            image = upright_rgb(open_first_frame(None))
            ratio = min(1.0, long_edge / max(image.size))
            size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
            display = image.resize(size, Image.Resampling.LANCZOS) if ratio < 1 else image
            thumb = image.crop(centre_box(image)).resize((thumb_side, thumb_side),
                                                         Image.Resampling.LANCZOS)
            return {"display": pillow_encode(display, "webp", given["display_quality"],
                                             given["display_method"]),
                    "thumb": pillow_encode(thumb, "jpeg", given["jpeg_quality"])}
    else:
        raise SystemExit(f"unknown path {name}")
    return run


# --- pyvips paths (the bench venv: pyvips and pyvips-binary, no Pillow) ---------------

def _pyvips_paths(name: str, data: bytes):
    import pyvips

    pyvips.cache_set_max(0)  # no operation cache: every run decodes and resizes again
    pyvips.cache_set_max_mem(0)
    keep_none = {"keep": 0}  # ForeignKeep.NONE: no EXIF, XMP, IPTC or ICC written
    given = settings()
    sizes, long_edge, thumb_side = given["sizes"], given["display_long_edge"], given["thumb_side"]

    def webp(image, quality: int, method: int) -> bytes:
        return image.webpsave_buffer(Q=quality, effort=method, **keep_none)

    if name == "variants-pyvips":
        def run():
            top = sizes[0]
            current = pyvips.Image.thumbnail_buffer(data, top, height=top, crop="centre",
                                                    size="down").copy_memory()
            out = {}
            for size in sizes:
                if size < current.width:
                    # From the previous size, as Portrait's cascade; thumbnail_image
                    # premultiplies alpha and uses lanczos3 (as fast as resize(), which
                    # does not premultiply; a thumbnail per size from the 1024 is slower).
                    current = current.thumbnail_image(size, height=size).copy_memory()
                out[str(size)] = webp(current, given["variant_quality"],
                                      method_for(given, size, current.hasalpha()))
            return out
    elif name == "media-pyvips":
        def run():
            display = pyvips.Image.thumbnail_buffer(data, long_edge, height=long_edge,
                                                    size="down").copy_memory()
            thumb = display.thumbnail_image(thumb_side, height=thumb_side, crop="centre",
                                            size="both")
            if thumb.hasalpha():
                thumb = thumb.flatten(background=[255, 255, 255])
            return {"display": webp(display, given["display_quality"], given["display_method"]),
                    "thumb": thumb.jpegsave_buffer(Q=given["jpeg_quality"],
                                                   optimize_coding=True, **keep_none)}
    else:
        raise SystemExit(f"unknown path {name}")
    return run


# --- the worker loop ----------------------------------------------------------------

def thread_cpu() -> dict[int, float]:
    """CPU seconds of every live Python thread (the main one and any pool's)."""
    clocks = {}
    for thread in threading.enumerate():
        try:
            clocks[thread.ident] = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except (OSError, TypeError, AttributeError):  # ended meanwhile, or not Linux
            pass
    return clocks


def worker(argv: list[str]) -> None:
    name, input_file, workdir = argv[0], argv[1], Path(argv[2])
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else None
    # Answers go to the real stdout; anything a library prints goes to stderr.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    data = Path(input_file).read_bytes()
    if name.endswith("-pyvips"):
        run = _pyvips_paths(name, data)
    else:
        run = _pillow_paths(name, data, workdir, threads)

    def answer(**fields) -> None:
        answers.write(json.dumps(fields) + "\n")

    answer(ready=True, baseline_kb=status_kb("VmRSS"))
    for line in sys.stdin:
        command = line.strip()
        if command == "save":
            outputs = run()
            folder = workdir / name
            folder.mkdir(parents=True, exist_ok=True)
            for role, body in outputs.items():
                (folder / role).write_bytes(body)
            answer(outputs={role: len(body) for role, body in outputs.items()})
        elif command == "run":
            before = thread_cpu()
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            after = thread_cpu()
            busiest = max(spent - before.get(ident, 0.0) for ident, spent in after.items())
            answer(cpu=cpu, wall=wall, busiest=busiest, parts=getattr(run, "parts", {}))
        elif command == "quit":
            answer(hwm_kb=status_kb("VmHWM"))
            return


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(sys.argv[2:])
