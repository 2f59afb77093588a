"""Preview renderer times: a portrait card at sd (512) and hd (1024).

Not a test: prints medians of N runs for a 12 MP phone-like JPEG and a small
PNG photo, and the steps of the hd card on its own. Run with
`python bench/bench_render.py [--runs 15]`.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers/common/python"))

from PIL import Image  # noqa: E402

from bench_variants import median_ms, photo_like_jpeg  # noqa: E402
from portrait.imaging.portrait_card import (  # noqa: E402
    PHOTO_LIMITS,
    head_circle,
    photo_side,
    render_portrait_card,
)
from portrait.imaging.prepare import upright_srgb  # noqa: E402
from portrait.imaging.skeleton import render_skeleton_png  # noqa: E402
from portrait.imaging.validate import decode  # noqa: E402
from portrait.rendering import RenderRequest
from portrait.rendering.preview import PreviewRenderer  # noqa: E402

# A standing figure, COCO-18 [x, y, v].
POSE = [[0.5, 0.18, 2], [0.5, 0.32, 2], [0.4, 0.32, 2], [0.36, 0.47, 2], [0.34, 0.62, 2],
        [0.6, 0.32, 2], [0.64, 0.47, 2], [0.66, 0.62, 2], [0.44, 0.62, 2], [0.43, 0.78, 2],
        [0.42, 0.94, 2], [0.56, 0.62, 2], [0.57, 0.78, 2], [0.58, 0.94, 2], [0.48, 0.16, 2],
        [0.52, 0.16, 2], [0.46, 0.17, 2], [0.54, 0.17, 2]]


def small_png() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photo_like_jpeg(1200, 900))).save(out, "PNG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    skeleton = render_skeleton_png(POSE, 768)
    photos = {"4000x3000 JPEG (orientation 6)": photo_like_jpeg(), "1200x900 PNG": small_png()}
    print(f"load average {os.getloadavg()[0]:.2f}; median of {runs} runs")
    renderer = PreviewRenderer()
    for label, photo in photos.items():
        for quality in ("sd", "hd"):
            request = RenderRequest(photo=photo, skeleton_png=skeleton, keypoints=POSE,
                                    quality=quality, seed=1)
            took = median_ms(lambda r=request: renderer.render(r), runs)
            size = len(renderer.render(request).png)
            print(f"  {took:7.1f} ms  preview {quality}, {label} -> {size} bytes")

    photo = photos["4000x3000 JPEG (orientation 6)"]
    needed = photo_side(1024)
    upright = upright_srgb(decode(photo, PHOTO_LIMITS, at_least=needed), needed)
    skeleton_image = decode(skeleton, PHOTO_LIMITS).image.convert("RGB")
    card = render_portrait_card(upright, skeleton_image, head_circle(POSE), 1024)
    print(f"the hd card's steps, 12 MP JPEG (the photo is needed at {needed} px):")
    steps = [
        ("decode the photo (JPEG draft)", lambda: decode(photo, PHOTO_LIMITS, at_least=needed)),
        ("decode + upright sRGB at that size",
         lambda: upright_srgb(decode(photo, PHOTO_LIMITS, at_least=needed), needed)),
        ("decode the 768 px skeleton", lambda: decode(skeleton, PHOTO_LIMITS).image.load()),
        ("compose the card (face window, skeleton, disc, frame)",
         lambda: render_portrait_card(upright, skeleton_image, head_circle(POSE), 1024)),
        ("encode the PNG (compress level 6)",
         lambda: card.save(io.BytesIO(), "PNG", compress_level=6)),
    ]
    for label, fn in steps:
        print(f"  {median_ms(fn, runs):7.1f} ms  {label}")


if __name__ == "__main__":
    main()
