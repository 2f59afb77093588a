"""The imaging judge (issue 14): Portrait's image paths against the floor, naive Pillow
and pyvips, on generated photo-like inputs of every format we take.

Not a test: prints figures. `make bench` runs it; by hand:

    .venv/bin/python bench/bench_imaging.py [--runs 7] [--quick] [--inputs jpeg12,png12]
                                            [--no-pyvips] [--no-methods] [--no-lambda]

Default run: 7 inputs x 8 paths x (1 warm-up + 7 timed runs), then the WebP method
table and the Lambda sizing table: about 5 minutes on the 2-core machine when it is
otherwise idle, about 9 when it is busy (load average 7-8; the load is printed, and
CPU time, not wall time, is the figure to read on a busy machine). The first run
also makes the inputs (about 30 s, cached in .portrait/bench/imaging-inputs/) and
installs pyvips (about 10 s, into .portrait/bench-venv/). `--quick`: three inputs,
3 runs, WebP methods 2, 4, 6 only: under 1 minute.

What is measured, per input (bench/imaging_inputs.py makes them):
  * Four ways to make the avatar variants (five WebP squares 1024, 512, 256, 128, 64,
    quality 80, method 4) and four to make the media images (a WebP of the whole
    picture, longer side <= 2048, quality 80, and a 300 px centre-square JPEG, q85).
    Sizes, qualities and methods are read from portrait.imaging (printed at the top)
    and handed to every path, so all four always make the same outputs; the display's
    longer side is the one Portrait makes of that input (a 4000 px JPEG or PNG is shown
    at its 2000 px draft or reduction, not resized to 2048), so all encode as much:
      Portrait  make_variants / make_media_images, as the Lambda functions call them
                (encoder threads: the usable cores)
      floor     decode at the smallest scale the largest output allows (JPEG draft,
                a still WebP's libwebp scaled decode, a PNG's banded reduce; a GIF
                has none) + encode
                already-resized images of
                exactly the output sizes with the same settings; no resizing,
                rotation or colour work is counted: the unavoidable work
      naive     open, full decode, exif_transpose, each output resized from the full
                image with LANCZOS, encoded one after another
      pyvips    libvips 8.18 (pyvips-binary) in its own venv, one thread
                (VIPS_CONCURRENCY=1), operation cache off: thumbnail_buffer with
                shrink-on-load, then a cascade of thumbnail_image, same Q and effort,
                no metadata (bench/imaging_paths.py has each path's exact steps)
  * Each path runs in a process of its own (bench/imaging_paths.py), so its peak RSS
    (VmHWM) is its own; "RSS+" is that peak minus the process's RSS once the
    interpreter, the libraries and the input bytes are loaded (printed as "base").
  * Repetitions are interleaved (each path once, then each path again, ...), one
    warm-up round is not counted; cpu and wall are medians, "+-%" is half the
    interquartile range of the CPU times in % of their median. CPU time is the whole
    process's (every thread), so it barely depends on how many cores are free; a busy
    machine still inflates it somewhat (shared caches, hyperthreads), so compare rows
    of one table (run side by side), not figures of different sections.
  * "x floor" and "x pyvips": CPU median over the floor's (or pyvips') CPU median for
    the same outputs. "(floor = decode + encodes)" splits the floor's CPU.
  * SSIM: of the 256 px variant (media: the 300 px thumbnail) and "SSIM L" of the
    largest output (the 1024 variant; the display image) against a LANCZOS resize
    of the full-resolution, upright source (its centre square), the mean of the
    R, G and B SSIMs (7x7 uniform windows, K1 0.01, K2 0.03, sample covariance:
    scikit-image's defaults, which it matches to 1e-5), transparent images flattened
    on white first. The floor encodes that reference itself, so its SSIM is the
    encoder's loss alone; a path that resizes faithfully scores within a few
    thousandths of it, blur or a shifted crop scores lower. "dSSIM": the worst, over
    every output (all five variants; both media images), of the path's SSIM minus the
    floor's.
  * Limits: the inputs go beyond the avatar upload limits (24 MP, a 24 MB PNG), so
    every path is called with limits wide enough for them: the image work is judged,
    not the upload checks.

Then: time, bytes and SSIM per WebP method and variant size (encoding the 12 MP JPEG's
reference squares, in this process), and for ResizeFunction (make_variants) and
ThumbnailFunction (make_media_images) the time per 12 MP JPEG with 1 and 2 encoder
threads, turned into duration, GB-seconds and cost per image at each Lambda memory
size (Lambda gives 1 vCPU per 1769 MB).
"""
from __future__ import annotations

import argparse
import array
import io
import json
import math
import os
import pickle
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "layers/common/python")]

from PIL import Image, ImageCms, ImageMath, ImageOps, features  # noqa: E402

import imaging_inputs  # noqa: E402
from imaging_paths import DEFAULT_SETTINGS, MAX_BYTES, method_for, pillow_encode  # noqa: E402
from portrait.imaging import media as portrait_media  # noqa: E402
from portrait.imaging import variants as portrait_variants  # noqa: E402
from portrait.imaging.variants import usable_cores  # noqa: E402

PYVIPS_VENV = ROOT / ".portrait" / "bench-venv"
PYVIPS_PINS = ("pyvips==3.2.0", "pyvips-binary==8.18.7")
PATHS_SCRIPT = HERE / "imaging_paths.py"
WHO = ("before", "portrait", "floor", "naive", "pyvips")
# "before": Portrait's imaging code at this revision (git archive into the bench's temporary
# folder), run beside today's in the same rounds: the before/after of a change, one table.
BEFORE_REVISION = "d36d96a"
# Lambda: CPU share grows with memory, one full vCPU at 1769 MB (AWS's documented figure).
MB_PER_VCPU = 1769
LAMBDA_MEMORY_SIZES = (512, 1024, 1536, 1769, 2048, 3008, 3538)
# us-east-1 prices: per GB-second of duration, per million requests.
PRICE_GB_S = {"arm64": 0.0000133334, "x86_64": 0.0000166667}
PRICE_PER_MILLION_REQUESTS = 0.20
EGRESS_PER_GB = 0.085  # CloudFront, first 10 TB a month, North America and Europe


def portrait_settings() -> dict:
    """What Portrait encodes and how, read from its modules (a name they no longer have
    keeps the bench's default), handed to every worker: the floor, naive Pillow and
    pyvips encode the same sizes with the same settings as Portrait, whatever it uses."""
    def setting(module, name, key):
        value = getattr(module, name, DEFAULT_SETTINGS[key])
        return dict(value) if isinstance(value, Mapping) else value  # e.g. a method per size
    sizes = getattr(portrait_variants, "AVATAR_SIZES", None)
    return {
        "sizes": sorted(sizes.values(), reverse=True) if sizes else DEFAULT_SETTINGS["sizes"],
        "variant_quality": setting(portrait_variants, "WEBP_QUALITY", "variant_quality"),
        "variant_method": setting(portrait_variants, "WEBP_METHOD", "variant_method"),
        "variant_alpha_method": setting(portrait_variants, "WEBP_ALPHA_METHOD",
                                        "variant_alpha_method"),
        "display_long_edge": setting(portrait_media, "DISPLAY_LONG_EDGE", "display_long_edge"),
        "display_quality": setting(portrait_media, "DISPLAY_QUALITY", "display_quality"),
        "display_method": setting(portrait_media, "DISPLAY_METHOD", "display_method"),
        "thumb_side": setting(portrait_media, "THUMBNAIL_SIDE", "thumb_side"),
        "jpeg_quality": setting(portrait_media, "THUMBNAIL_QUALITY", "jpeg_quality"),
    }


SETTINGS = portrait_settings()
SIZES: list[int] = SETTINGS["sizes"]
CHECK_SIZE = 256 if 256 in SIZES else sorted(SIZES)[len(SIZES) // 2]  # SSIM's variant
LONG_EDGE: int = SETTINGS["display_long_edge"]
THUMB_SIDE: int = SETTINGS["thumb_side"]
KINDS = {
    "variants": f"avatar variants: {len(SIZES)} WebP squares {SIZES[0]}..{SIZES[-1]} "
                f"(SSIM: the {CHECK_SIZE} px variant, SSIM L: the {SIZES[0]})",
    "media": f"media: display WebP (longer side <= {LONG_EDGE}) + {THUMB_SIDE} px JPEG "
             f"(SSIM: the {THUMB_SIDE} px JPEG, SSIM L: the display)",
}


def say(text: str = "") -> None:
    print(text, flush=True)


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


# --- SSIM, with Pillow's float images (no numpy here) ---------------------------------

def _math(fn, **images: Image.Image) -> Image.Image:
    return ImageMath.lambda_eval(lambda a: fn(**{k: a[k] for k in images}), **images)


def _window_sums(image: Image.Image, k: int) -> Image.Image:
    """Sums over every k x k window (valid positions only), separably, in mode F.
    Exact: 8-bit values, their squares and products summed over 49 pixels stay
    far below float32's 2**24."""
    width, height = image.size
    rows = image.crop((0, 0, width - k + 1, height))
    for dx in range(1, k):
        rows = _math(lambda a, b: a + b, a=rows, b=image.crop((dx, 0, dx + width - k + 1, height)))
    sums = rows.crop((0, 0, width - k + 1, height - k + 1))
    for dy in range(1, k):
        sums = _math(lambda a, b: a + b, a=sums,
                     b=rows.crop((0, dy, width - k + 1, dy + height - k + 1)))
    return sums


def ssim_channel(x: Image.Image, y: Image.Image, k: int = 7) -> float:
    """Mean SSIM of two same-sized "L" images: uniform k x k windows, sample
    covariance, K1 = 0.01, K2 = 0.03, data range 255 (scikit-image's defaults)."""
    x, y = x.convert("F"), y.convert("F")
    n = k * k
    sx, sy = _window_sums(x, k), _window_sums(y, k)
    sxx = _window_sums(_math(lambda a: a * a, a=x), k)
    syy = _window_sums(_math(lambda a: a * a, a=y), k)
    sxy = _window_sums(_math(lambda a, b: a * b, a=x, b=y), k)
    # The usual formula multiplied through by n^2 and n(n-1), so it runs on sums.
    c1, c2 = (0.01 * 255) ** 2 * n * n, (0.03 * 255) ** 2 * n * (n - 1)
    index = _math(
        lambda sx, sy, sxx, syy, sxy:
            ((sx * sy * 2 + c1) * ((sxy * n - sx * sy) * 2 + c2))
            / ((sx * sx + sy * sy + c1) * ((sxx * n - sx * sx) + (syy * n - sy * sy) + c2)),
        sx=sx, sy=sy, sxx=sxx, syy=syy, sxy=sxy)
    values = array.array("f", index.tobytes())
    return math.fsum(values) / len(values)


def on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or image.has_transparency_data:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def ssim(image: Image.Image, reference: Image.Image) -> float | None:
    """Mean of the R, G, B SSIMs (both flattened on white); None if the sizes differ."""
    if image.size != reference.size:
        return None
    a, b = on_white(image), on_white(reference)
    return statistics.fmean(ssim_channel(ca, cb) for ca, cb in zip(a.split(), b.split()))


# --- references and the floor's prepared images ----------------------------------------

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def upright_source(data: bytes) -> Image.Image:
    """The first frame at full resolution, upright, sRGB, RGB or RGBA (alpha only
    where some pixel is not opaque): what every output should look like."""
    image = Image.open(io.BytesIO(data))
    image.load()
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    if icc:
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                              _SRGB, outputMode=image.mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    return image


@dataclass
class References:
    squares: dict[int, Image.Image]  # the variant size asked for -> LANCZOS reference
    display: Image.Image
    thumb: Image.Image
    variants_draft: tuple[int, int] | None
    media_draft: tuple[int, int] | None


def display_edge(data: bytes) -> int:
    """The longer side of the display image Portrait makes of `data`: at most LONG_EDGE, and
    a drafted JPEG or a reduced PNG keeps its decoded size when that is within 10 % under
    it (a 4000 px photo is shown at 2000). Every media path makes its display this size,
    so all of them encode the same number of pixels as Portrait."""
    made = portrait_media.make_media_images(
        data, limits=portrait_media.media_limits(MAX_BYTES), workers=1)
    return max(made.display.width, made.display.height)


def references(data: bytes, long_edge: int = LONG_EDGE) -> References:
    source = upright_source(data)
    short = min(source.size)
    left, top = (source.width - short) // 2, (source.height - short) // 2
    square = source.crop((left, top, left + short, top + short))
    squares = {size: (square.resize((size, size), Image.Resampling.LANCZOS)
                      if size < short else square.copy()) for size in SIZES}
    ratio = min(1.0, long_edge / max(source.size))
    display_size = (max(1, round(source.width * ratio)), max(1, round(source.height * ratio)))
    display = (source.resize(display_size, Image.Resampling.LANCZOS) if ratio < 1
               else source.copy())
    thumb = square.resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    # The draft requests: the largest output's pixels, counted on the stored image
    # (a centred square and a whole-picture fit are the same either way up).
    with Image.open(io.BytesIO(data)) as probe:
        width, height = probe.size
        # Each shrinks on load in Portrait: JPEG by DCT scaling, WebP by libwebp, PNG by
        # reducing band by band (png_banded.py): the floor decodes the same way.
        shrinks = probe.format in ("JPEG", "WEBP", "PNG") and getattr(probe, "n_frames", 1) == 1
    longer = max(width, height)
    variants_draft = (SIZES[0],) * 2 if shrinks else None
    media_draft = None
    if shrinks and longer > long_edge:  # rounded up: never a pixel short of the display
        media_draft = (-(-width * long_edge // longer), -(-height * long_edge // longer))
    return References(squares, display, thumb, variants_draft, media_draft)


def write_prepared(refs: References, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    given = SETTINGS
    variants = {"draft": refs.variants_draft, "images": [
        (str(size), image.mode, image.size, image.tobytes(), "webp", given["variant_quality"],
         method_for(given, size, image.mode == "RGBA")) for size, image in refs.squares.items()]}
    display, thumb = refs.display, refs.thumb
    media = {"draft": refs.media_draft, "images": [
        ("display", display.mode, display.size, display.tobytes(), "webp",
         given["display_quality"], given["display_method"]),
        ("thumb", thumb.mode, thumb.size, thumb.tobytes(), "jpeg", given["jpeg_quality"], 0)]}
    for name, content in (("variants", variants), ("media", media)):
        with open(folder / f"{name}.pickle", "wb") as file:
            pickle.dump(content, file, protocol=pickle.HIGHEST_PROTOCOL)


# --- the worker processes ----------------------------------------------------------------

class WorkerFailed(Exception):
    pass


@dataclass
class Worker:
    name: str  # e.g. "variants-portrait"
    python: str
    input_file: Path
    workdir: Path
    settings: dict = field(default_factory=lambda: SETTINGS)
    threads: int | None = None
    env: dict | None = None
    baseline_kb: int = 0
    hwm_kb: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    busiest: list[float] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)
    error: str | None = None

    def start(self) -> None:
        argv = [self.python, str(PATHS_SCRIPT), "worker", self.name, str(self.input_file),
                str(self.workdir)]
        if self.threads is not None:
            argv += ["--threads", str(self.threads)]
        self.stderr = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, bufsize=1,
                                        env={**os.environ, **(self.env or {}),
                                             "BENCH_IMAGING_SETTINGS": json.dumps(self.settings)})

    def _reply(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            self.stderr.seek(0)
            tail = self.stderr.read().strip().splitlines()[-1:] or ["no output"]
            raise WorkerFailed(f"exited {self.process.returncode}: {tail[0]}")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._reply()

    def ready(self) -> None:
        self.baseline_kb = self._reply()["baseline_kb"]

    def stop(self) -> None:
        if self.error is None:
            try:
                self.hwm_kb = self.ask("quit")["hwm_kb"]
            except (WorkerFailed, OSError, ValueError) as exc:
                self.error = str(exc)
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

    @property
    def rss_over_base_mb(self) -> float:
        return (self.hwm_kb - self.baseline_kb) / 1024


def run_interleaved(workers: list[Worker], runs: int) -> None:
    """Start every worker, one warm-up round ("save", outputs kept), then `runs`
    rounds of one run each, in the same order, then stop them."""
    for worker in workers:
        worker.start()
    live = []
    for worker in workers:
        try:
            worker.ready()
            live.append(worker)
        except (WorkerFailed, ValueError) as exc:
            worker.error = str(exc)
    for round_ in range(runs + 1):
        for worker in list(live):
            try:
                if round_ == 0:
                    worker.outputs = worker.ask("save")["outputs"]
                else:
                    reply = worker.ask("run")
                    worker.cpu.append(reply["cpu"])
                    worker.wall.append(reply["wall"])
                    worker.busiest.append(reply["busiest"])
                    worker.parts.append(reply.get("parts") or {})
            except (WorkerFailed, OSError, ValueError, KeyError) as exc:
                worker.error = str(exc)
                live.remove(worker)
    for worker in workers:
        worker.stop()


def med_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def spread(samples: list[float]) -> float:
    """Half the interquartile range, in % of the median: how far to trust a figure."""
    if len(samples) < 3:
        return float("nan")
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return (q3 - q1) / 2 / statistics.median(samples) * 100


# --- pyvips, in a venv of its own ----------------------------------------------------------

def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def pyvips_python(wanted: bool) -> tuple[str | None, str]:
    """The bench venv's python with pyvips importable (made on first use), or None
    and why not."""
    if not wanted:
        return None, "pyvips: skipped (--no-pyvips)"
    python = PYVIPS_VENV / "bin" / "python"
    marker = PYVIPS_VENV / (".installed-" + "-".join(PYVIPS_PINS))
    try:
        if not marker.exists():
            say(f"pyvips: installing {' '.join(PYVIPS_PINS)} into {shown(PYVIPS_VENV)} "
                "(first run only)")
            shutil.rmtree(PYVIPS_VENV, ignore_errors=True)
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", str(PYVIPS_VENV)], check=True,
                           capture_output=True, text=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *PYVIPS_PINS],
                           check=True, capture_output=True, text=True)
            marker.touch()
        probe = subprocess.run(
            [str(python), "-c", "import pyvips; print(pyvips.__version__, '%d.%d.%d' % "
             "tuple(pyvips.version(i) for i in range(3)))"],
            check=True, capture_output=True, text=True, env={**os.environ, "VIPS_CONCURRENCY": "1"})
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        lines = [line for line in detail.strip().splitlines()
                 if "is ignored: it is neither a file" not in line]
        return None, f"pyvips: skipped (not installable here: {(lines or [str(exc)])[-1]})"
    binding, libvips = probe.stdout.split()
    return str(python), (f"pyvips {binding}, libvips {libvips} "
                         f"({shown(PYVIPS_VENV)}, VIPS_CONCURRENCY=1)")


# --- the per-input table ------------------------------------------------------------------

def portrait_at(revision: str, workdir: Path) -> tuple[Path | None, str]:
    """Portrait's library as it was at `revision`, unpacked under workdir, or None and why not."""
    folder = workdir / f"portrait-{revision}"
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision,
                                  "layers/common/python/portrait"],
                                 check=True, capture_output=True)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
        return None, f"before: skipped ({detail.splitlines()[-1] if detail else exc})"
    return folder / "layers/common/python", f"before: Portrait's imaging at {revision}"


def bench_input(item: imaging_inputs.Input, runs: int, vips: str | None,
                workdir: Path, before: Path | None = None,
                before_revision: str = BEFORE_REVISION) -> References:
    data = item.load()
    edge = display_edge(data)
    refs = references(data, edge)
    settings = {**SETTINGS, "display_long_edge": edge}  # this input's display, every path
    input_dir = workdir / item.key
    write_prepared(refs, input_dir / "prepared")
    with Image.open(io.BytesIO(data)) as probe:
        size, frames = probe.size, getattr(probe, "n_frames", 1)
    say()
    say(f"== {item.label}: {len(data) / 1e6:.1f} MB, {size[0]}x{size[1]}"
        f"{f', {frames} frames' if frames > 1 else ''}; {load()} ==")

    cores = usable_cores()
    workers = []
    for kind in KINDS:
        for who in WHO:
            if who == "pyvips":
                if vips is None:
                    continue
                workers.append(Worker(f"{kind}-{who}", vips, item.path, input_dir, settings,
                                      env={"VIPS_CONCURRENCY": "1"}))
            elif who == "before":
                if before is None:
                    continue
                workers.append(Worker(f"{kind}-{who}", sys.executable, item.path, input_dir,
                                      settings, env={"BENCH_PORTRAIT_PATH": str(before)}))
            else:
                workers.append(Worker(f"{kind}-{who}", sys.executable, item.path, input_dir,
                                      settings))
    started = time.perf_counter()
    run_interleaved(workers, runs)
    by_name = {w.name: w for w in workers}

    threads = {"before": cores, "portrait": cores, "floor": cores, "naive": 1, "pyvips": 1}
    labels = {"before": f"before {before_revision}", "portrait": "Portrait", "floor": "floor",
              "naive": "naive Pillow", "pyvips": "pyvips"}
    say(f"{'path':<24}{'cpu ms':>9}{'+-%':>5}{'wall ms':>9}{'x floor':>9}{'x pyvips':>10}"
        f"{'SSIM':>8}{'SSIM L':>8}{'dSSIM':>9}{'bytes':>10}{'RSS+ MB':>9}{'base MB':>9}")
    for kind, heading in KINDS.items():
        say(heading)
        floor = by_name.get(f"{kind}-floor")
        peer = by_name.get(f"{kind}-pyvips")
        floor_cpu = med_ms(floor.cpu) if floor and floor.cpu else None
        peer_cpu = med_ms(peer.cpu) if peer and peer.cpu else None
        if kind == "variants":
            checks = ((str(CHECK_SIZE), refs.squares[CHECK_SIZE]),
                      (str(SIZES[0]), refs.squares[SIZES[0]]))
            every = {str(size): square for size, square in refs.squares.items()}
        else:
            checks = (("thumb", refs.thumb), ("display", refs.display))
            every = dict(checks)
        # Every output's SSIM, for the worst difference from the floor's (which is the
        # encoder's loss alone): issue 14 keeps each variant within 0.005 of it.
        all_scores = {}
        for who in WHO:
            worker = by_name.get(f"{kind}-{who}")
            if worker is None or worker.error or not worker.cpu:
                continue
            all_scores[who] = {}
            for role, reference in every.items():
                with Image.open(input_dir / worker.name / role) as out:
                    all_scores[who][role] = ssim(out, reference)
        for who in WHO:
            worker = by_name.get(f"{kind}-{who}")
            label = f"  {labels[who]} ({threads[who]} thr)"
            if worker is None:
                continue
            if worker.error or not worker.cpu:
                say(f"{label:<24} failed: {worker.error}")
                continue
            cpu, wall = med_ms(worker.cpu), med_ms(worker.wall)
            scores = []
            for role, _ in checks:
                score = all_scores[who][role]  # None: not the reference's size
                scores.append(f"{score:8.4f}" if score is not None else f"{'size':>8}")
            floor_scores = all_scores.get("floor", {})
            deltas = [score - floor_scores[role] for role, score in all_scores[who].items()
                      if score is not None and floor_scores.get(role) is not None]
            scores.append(f"{min(deltas):+9.4f}" if deltas else f"{'-':>9}")
            total_bytes = sum(worker.outputs.values())
            ratio_floor = f"{cpu / floor_cpu:9.2f}" if floor_cpu else f"{'-':>9}"
            ratio_peer = f"{cpu / peer_cpu:10.2f}" if peer_cpu else f"{'-':>10}"
            noise = spread(worker.cpu)
            noise_text = f"{noise:5.0f}" if noise == noise else f"{'-':>5}"  # nan: too few runs
            say(f"{label:<24}{cpu:9.1f}{noise_text}{wall:9.1f}"
                f"{ratio_floor}{ratio_peer}"
                f"{''.join(scores)}{total_bytes:10d}"
                f"{worker.rss_over_base_mb:9.1f}{worker.baseline_kb / 1024:9.1f}")
        if floor_cpu and floor.parts and all("decode" in p for p in floor.parts):
            decode = med_ms([p["decode"] for p in floor.parts])
            say(f"  (floor = decode {decode:.0f} ms + encodes {floor_cpu - decode:.0f} ms, CPU)")
    if vips is None:
        say("  pyvips: skipped (see the top line)")
    say(f"  ({runs} interleaved runs per path after one warm-up, medians; "
        f"{time.perf_counter() - started:.0f} s; {load()})")
    return refs


# --- WebP method table ---------------------------------------------------------------------

def webp_methods(squares: dict[int, Image.Image], methods: tuple[int, ...], runs: int,
                 source_label: str) -> None:
    say()
    quality = SETTINGS["variant_quality"]
    say(f"== WebP method per variant size: encode only (quality {quality}, one thread, "
        f"this process), the LANCZOS reference squares of the {source_label}; {load()} ==")
    say("SSIM here: the decoded WebP against the square it was encoded from (the encoder's "
        "loss alone). Payback: views of that size after which the CPU spent beyond method "
        f"{4} (at {MB_PER_VCPU} MB, arm64) has been saved in CDN egress (USD "
        f"{EGRESS_PER_GB}/GB); '-' when the method is not smaller, 'now' when not slower.")
    times: dict[tuple[int, int], list[float]] = {(m, s): [] for m in methods for s in squares}
    bodies: dict[tuple[int, int], bytes] = {}
    for round_ in range(runs + 1):
        for method in methods:
            for size, image in squares.items():
                cpu = time.process_time()
                body = pillow_encode(image, "webp", quality, method)
                spent = time.process_time() - cpu
                if round_ == 0:
                    bodies[(method, size)] = body
                else:
                    times[(method, size)].append(spent)
    base = 4 if 4 in methods else methods[len(methods) // 2]
    say(f"{'size':>6}{'method':>8}{'cpu ms':>9}{'bytes':>9}{'vs m' + str(base):>9}"
        f"{'SSIM':>8}{'vs m' + str(base):>10}{'payback':>9}")
    scores = {}
    for size, image in squares.items():
        for method in methods:
            with Image.open(io.BytesIO(bodies[(method, size)])) as decoded:
                scores[(method, size)] = ssim(decoded, image)
        for method in methods:
            nbytes, base_bytes = len(bodies[(method, size)]), len(bodies[(base, size)])
            score, base_score = scores[(method, size)], scores[(base, size)]
            views = payback_views(med_ms(times[(method, size)]) - med_ms(times[(base, size)]),
                                  base_bytes - nbytes)
            say(f"{size:6d}{method:8d}{med_ms(times[(method, size)]):9.2f}{nbytes:9d}"
                f"{(nbytes / base_bytes - 1) * 100:+8.1f}%{score:8.4f}{score - base_score:+10.4f}"
                f"{views:>9}")
    say("all five sizes:")
    base_total = sum(len(bodies[(base, s)]) for s in squares)
    for method in methods:
        total_ms = sum(med_ms(times[(method, s)]) for s in squares)
        total_bytes = sum(len(bodies[(method, s)]) for s in squares)
        say(f"{'all':>6}{method:8d}{total_ms:9.2f}{total_bytes:9d}"
            f"{(total_bytes / base_total - 1) * 100:+8.1f}%")
    say(f"  ({runs} interleaved runs after one warm-up, medians of CPU time; {load()})")


def payback_views(extra_cpu_ms: float, saved_bytes: int) -> str:
    """Views until the CPU spent once (one vCPU at MB_PER_VCPU MB, arm64) is repaid by the
    egress saved on every view."""
    if saved_bytes <= 0:
        return "-"
    if extra_cpu_ms <= 0:
        return "now"
    compute = extra_cpu_ms / 1000 * MB_PER_VCPU / 1024 * PRICE_GB_S["arm64"]
    per_view = saved_bytes / 1e9 * EGRESS_PER_GB
    return f"{math.ceil(compute / per_view):d}"


# --- Lambda sizing -----------------------------------------------------------------------------

def lambda_sizing(item: imaging_inputs.Input, runs: int, workdir: Path) -> None:
    say()
    say(f"== Lambda sizing: time per image on the {item.label}, 1 and 2 encoder threads; "
        f"{load()} ==")
    functions = (("ResizeFunction", "variants-portrait", "make_variants"),
                 ("ThumbnailFunction", "media-portrait", "make_media_images"))
    workers = [Worker(path, sys.executable, item.path, workdir / "lambda", threads=threads)
               for _, path, _ in functions for threads in (1, 2)]
    (workdir / "lambda").mkdir(parents=True, exist_ok=True)
    run_interleaved(workers, runs)
    arch = "arm64"
    say("Model: at M MB a function gets M/1769 vCPU; with t threads an image takes "
        "max(CPU_t / min(vCPU, t), span_t / min(vCPU, 1)): the measured CPU spread over "
        "the cores it may use, but never less than its critical path (span). span_1 = "
        "CPU_1; span_2 = the best 2-thread wall time measured here (exact on an idle "
        "machine, too long on a busy one; never below the busiest thread's CPU). "
        "GB-s = M/1024 x duration; $ per million images = GB-s x 1e6 x "
        f"${PRICE_GB_S[arch]}/GB-s ({arch}, as template.yaml) + ${PRICE_PER_MILLION_REQUESTS} "
        "for the requests. CPU measured on this machine (x86_64): Graviton's times differ "
        "by a roughly constant factor, the ranking of memory sizes does not.")
    for function, path, call in functions:
        measured = {}
        for worker in workers:
            if worker.name != path:
                continue
            if worker.error or not worker.cpu:
                say(f"{function}: failed with {worker.threads} threads: {worker.error}")
                break
            cpu, busiest = med_ms(worker.cpu), med_ms(worker.busiest)
            best_wall = min(worker.wall) * 1000
            span = cpu if worker.threads == 1 else max(busiest, best_wall)
            measured[worker.threads] = (cpu, busiest, med_ms(worker.wall), best_wall, span)
        if len(measured) != 2:
            continue
        say()
        say(f"{function} ({call}), per image: " + "; ".join(
            f"{t} thread{'s' * (t > 1)}: CPU {c:.0f} ms (busiest thread {b:.0f}), "
            f"wall here median {w:.0f} best {best:.0f}, span {span:.0f}"
            for t, (c, b, w, best, span) in sorted(measured.items())))
        say(f"{'MemorySize':>10}{'vCPU':>6}{'threads':>8}{'est. ms':>9}{'GB-s/image':>12}"
            f"{'$/1M images':>13}")
        rows = []
        for memory in LAMBDA_MEMORY_SIZES:
            vcpu = memory / MB_PER_VCPU
            for threads, (cpu, _, _, _, span) in sorted(measured.items()):
                duration = max(cpu / min(vcpu, threads), span / min(vcpu, 1))
                gb_s = memory / 1024 * duration / 1000
                cost = gb_s * 1e6 * PRICE_GB_S[arch] + PRICE_PER_MILLION_REQUESTS
                rows.append((memory, vcpu, threads, duration, gb_s, cost))
        cheapest = min(rows, key=lambda r: (round(r[5], 2), r[3]))
        fastest = min(rows, key=lambda r: (round(r[3]), r[5]))
        for row in rows:
            memory, vcpu, threads, duration, gb_s, cost = row
            mark = ("  <- cheapest" if row is cheapest else "") + (
                "  <- fastest" if row is fastest else "")
            say(f"{memory:10d}{vcpu:6.2f}{threads:8d}{duration:9.0f}{gb_s:12.4f}"
                f"{cost:13.2f}{mark}")
    say(f"  ({runs} interleaved runs after one warm-up, medians; {load()})")


# --- main --------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None,
                        help="timed runs per path (default 7; --quick: 3)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: three inputs, 3 runs, WebP methods 2, 4, 6")
    parser.add_argument("--inputs", default=None,
                        help="comma-separated keys: " + ",".join(imaging_inputs.BY_KEY))
    parser.add_argument("--no-pyvips", action="store_true", help="skip the pyvips paths")
    parser.add_argument("--before", default=BEFORE_REVISION, metavar="REV",
                        help="also time Portrait's imaging at this git revision (default "
                             f"{BEFORE_REVISION}; '' to skip)")
    parser.add_argument("--no-methods", action="store_true", help="skip the WebP method table")
    parser.add_argument("--no-lambda", action="store_true", help="skip the Lambda sizing table")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 7)
    keys = (args.inputs.split(",") if args.inputs
            else imaging_inputs.QUICK if args.quick else list(imaging_inputs.BY_KEY))
    unknown = [k for k in keys if k not in imaging_inputs.BY_KEY]
    if unknown:
        parser.error(f"unknown inputs {unknown}; choose from {list(imaging_inputs.BY_KEY)}")
    methods = (2, 4, 6) if args.quick else tuple(range(7))

    started = time.perf_counter()
    say(f"bench_imaging: {platform.machine()}, {usable_cores()} usable cores, {load()}; "
        f"Python {platform.python_version()}, Pillow {Image.__version__}, libwebp "
        f"{features.version('webp')}, libjpeg-turbo {features.version('libjpeg_turbo')}, "
        + (f"zlib-ng {features.version('zlib_ng')}" if features.version("zlib_ng")
           else f"zlib {features.version('zlib')}"))
    say(f"Portrait's settings (every path uses them): {json.dumps(SETTINGS)}")
    vips, vips_line = pyvips_python(not args.no_pyvips)
    say(vips_line)
    say("Generating the inputs (first run only) ..." if any(
        not imaging_inputs.BY_KEY[k].path.exists() for k in keys) else "Inputs: cached.")
    for key in keys:
        imaging_inputs.BY_KEY[key].load()

    with tempfile.TemporaryDirectory(prefix="bench-imaging-") as tmp:
        workdir = Path(tmp)
        before, before_line = (portrait_at(args.before, workdir) if args.before
                               else (None, "before: skipped (--before '')"))
        say(before_line)
        all_refs = {key: bench_input(imaging_inputs.BY_KEY[key], runs, vips, workdir, before,
                                     args.before) for key in keys}
        sizing_input = imaging_inputs.BY_KEY["jpeg12"]
        if not args.no_methods:
            # An opaque photo and one with transparency: libwebp compresses the alpha
            # plane losslessly, at an effort that grows with the method.
            for key in ("jpeg12", "png12a"):
                item = imaging_inputs.BY_KEY[key]
                refs = all_refs.get(key) or references(item.load())
                webp_methods(refs.squares, methods, runs, item.label)
        if not args.no_lambda:
            lambda_sizing(sizing_input, runs, workdir)
    say()
    say(f"bench_imaging: done in {time.perf_counter() - started:.0f} s; {load()}")


if __name__ == "__main__":
    main()
