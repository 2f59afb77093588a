"""Five avatar variants from a 12 MP JPEG: naive Pillow against make_variants.

Not a test: prints medians of N runs (docs/ARCHITECTURE.md §9 has the reference
figures). Run with `python bench/bench_variants.py [--runs 15]`; the machine
load is printed too, since a shared machine skews every figure.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers/common/python"))

from PIL import ExifTags, Image, ImageDraw, ImageFilter, ImageOps  # noqa: E402

from portrait.imaging import AVATAR_SIZES, make_variants  # noqa: E402
from portrait.imaging.variants import WEBP_QUALITY, usable_cores  # noqa: E402


def photo_like_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """Smooth gradients, hard-edged shapes and fine grain, like a camera JPEG
    (about 4 MB at quality 90, like a phone photo), with an EXIF orientation to apply."""
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gradient, gradient.rotate(90).resize((width, height)),
                                ImageOps.invert(gradient)))
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 7919) % width, (i * 104729) % height
        r = 60 + (i * 37) % 400
        colour = ((i * 53) % 256, (i * 91) % 256, (i * 29) % 256)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    grain = Image.merge("RGB", [Image.effect_noise((width, height), 48) for _ in range(3)])
    image = Image.blend(image, grain, 0.3).filter(ImageFilter.GaussianBlur(0.5))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up: first-call costs (plugin init, pool start) are not the steady state
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def webp(image: Image.Image, method: int = 4) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=method)
    return out.getvalue()


def naive(data: bytes) -> list[bytes]:
    """What most code does: decode and rotate everything, fit each size from the full image."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return [webp(ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS))
            for size in AVATAR_SIZES.values()]


def decode(data: bytes, scale: int = 1) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    if scale > 1:
        image.draft("RGB", (image.width // scale, image.height // scale))
    image.load()
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    runs = args.runs

    data = photo_like_jpeg()
    cores = usable_cores()
    print(f"source: 4000x3000 JPEG, {len(data) / 1e6:.1f} MB, orientation 6; "
          f"{cores} usable cores; load average {os.getloadavg()[0]:.2f}; median of {runs} runs")

    full = decode(data, 2).resize((1024, 1024), Image.Resampling.LANCZOS)
    squares = [full.resize((s, s), Image.Resampling.LANCZOS)
               for s in sorted(AVATAR_SIZES.values(), reverse=True)]

    rows = [
        ("naive: full decode, exif_transpose, fit each size, serial encode", lambda: naive(data)),
        (f"make_variants, {cores} encoder threads", lambda: make_variants(data, workers=cores)),
        ("make_variants, encodes inline (1 thread)", lambda: make_variants(data, workers=1)),
        (f"make_variants, {cores} encoder threads, WebP method 2",
         lambda: make_variants(data, workers=cores, webp_method=2)),
        ("decode only, full size", lambda: decode(data)),
        ("decode only, 1/2 scale (draft)", lambda: decode(data, 2)),
        # Nothing can beat decoding once and encoding the largest variant once.
        ("floor: decode at 1/2 + encode the 1024 variant", lambda: (decode(data, 2), webp(full))),
    ]
    for label, fn in rows:
        print(f"  {median_ms(fn, runs):7.1f} ms  {label}")

    print(f"encoding the 1024 variant alone (WebP quality {WEBP_QUALITY}):")
    for method in (0, 2, 3, 4, 6):
        size = len(webp(full, method))
        took = median_ms(lambda m=method: webp(full, m), runs)
        print(f"  {took:7.1f} ms  method {method}, {size} bytes")

    print("encoding all five variants (GIL check: threads only help if the encoder releases it):")
    serial = median_ms(lambda: [webp(s) for s in squares], runs)
    with ThreadPoolExecutor(max_workers=max(cores, 2)) as pool:
        threaded = median_ms(lambda: list(pool.map(webp, squares)), runs)
        four_serial = median_ms(lambda: [webp(full) for _ in range(4)], max(3, runs // 3))
        four_threaded = median_ms(lambda: list(pool.map(webp, [full] * 4)), max(3, runs // 3))
    print(f"  {serial:7.1f} ms  serial")
    print(f"  {threaded:7.1f} ms  {max(cores, 2)} threads  (x{serial / threaded:.2f})")
    print(f"  {four_serial:7.1f} ms  four 1024 encodes, serial")
    print(f"  {four_threaded:7.1f} ms  four 1024 encodes, {max(cores, 2)} threads  "
          f"(x{four_serial / four_threaded:.2f})")


if __name__ == "__main__":
    main()
