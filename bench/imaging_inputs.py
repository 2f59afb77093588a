"""Generated, photo-like inputs for bench/bench_imaging.py, cached on disk.

A helper of bench_imaging.py, not a benchmark: run on its own (as `make bench`
does with every bench/*.py) it only makes sure the inputs exist, silently.

Every input is made here from code, never downloaded: the JPEGs come from
bench_variants.photo_like_jpeg (smooth gradients, hard-edged shapes, fine grain
and EXIF orientation 6, about 4 MB per 12 MP at quality 90); the PNGs and the
WebP are those same pixels re-saved (what a screenshot tool or an export gives);
the GIF is a flat-colour animation, as GIFs are. The files live in
.portrait/bench/imaging-inputs/ (git-ignored) and are made once, the first time
(about 30 s for all of them), then reused; GENERATION changes when a
generator does, so stale files are never reused.
"""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".portrait" / "bench" / "imaging-inputs"
GENERATION = 1  # bump when a generator below changes


@dataclass(frozen=True)
class Input:
    key: str  # short name, for --inputs
    label: str  # what the table heading says
    extension: str
    make: Callable[[], bytes]

    @property
    def path(self) -> Path:
        return CACHE / f"g{GENERATION}-{self.key}.{self.extension}"

    def load(self) -> bytes:
        """The input's bytes, generated and cached the first time."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = self.make()
            partial = self.path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(self.path)  # a run killed midway never leaves half a file
        return self.path.read_bytes()


def _photo_jpeg(width: int, height: int) -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_variants import photo_like_jpeg
    return photo_like_jpeg(width, height)


def _photo_pixels(width: int, height: int):
    """The photo's pixels as stored (orientation not applied), without any metadata."""
    from PIL import Image
    image = Image.open(io.BytesIO(_photo_jpeg(width, height)))
    image.load()
    image.info = {}
    return image


def _png_rgb() -> bytes:
    out = io.BytesIO()
    _photo_pixels(4000, 3000).save(out, "PNG")  # zlib level 6, Pillow's and most tools' default
    return out.getvalue()


def _png_rgba() -> bytes:
    """The photo with a soft vignette of transparency: opaque in the middle, fully
    transparent in the corners, half-transparent between (a cut-out with feathered edges)."""
    from PIL import Image, ImageOps
    image = _photo_pixels(4000, 3000)
    radial = Image.radial_gradient("L").resize(image.size)  # 0 in the centre, 255 at the edge
    alpha = ImageOps.invert(radial).point(lambda v: max(0, min(255, (v - 40) * 2)))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _webp_4096() -> bytes:
    out = io.BytesIO()
    _photo_pixels(4096, 4096).save(out, "WEBP", quality=90)
    return out.getvalue()


def _gif_animated(width: int = 1440, height: int = 1080, frames: int = 8) -> bytes:
    """Flat colours and hard edges that move from frame to frame, 256-colour palette."""
    from PIL import Image, ImageDraw
    base = Image.linear_gradient("L").resize((width, height))
    pictures = []
    for f in range(frames):
        image = Image.merge("RGB", (base, base.rotate(90).resize((width, height)), base.point(
            lambda v, f=f: (v + 32 * f) % 256)))
        draw = ImageDraw.Draw(image)
        for i in range(24):
            x = ((i * 7919) + f * 40) % width
            y = ((i * 104729) + f * 25) % height
            r = 40 + (i * 37) % 200
            draw.ellipse((x - r, y - r, x + r, y + r),
                         fill=((i * 53) % 256, (i * 91) % 256, (i * 29) % 256))
        pictures.append(image.quantize(256))
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=100, loop=0)
    return out.getvalue()


INPUTS: tuple[Input, ...] = (
    Input("jpeg12", "12 MP JPEG (4000x3000, orientation 6)", "jpg",
          lambda: _photo_jpeg(4000, 3000)),
    Input("jpeg24", "24 MP JPEG (6000x4000, orientation 6)", "jpg",
          lambda: _photo_jpeg(6000, 4000)),
    Input("jpeg2", "2 MP JPEG (1632x1224, orientation 6)", "jpg",
          lambda: _photo_jpeg(1632, 1224)),
    Input("png12", "12 MP PNG RGB (4000x3000)", "png", _png_rgb),
    Input("png12a", "12 MP PNG RGBA (4000x3000, feathered transparency)", "png", _png_rgba),
    Input("webp16", "16 MP WebP (4096x4096, lossy q90)", "webp", _webp_4096),
    Input("gif", "animated GIF (1440x1080, 8 frames, 256 colours)", "gif", _gif_animated),
)
BY_KEY = {item.key: item for item in INPUTS}
QUICK = ("jpeg12", "jpeg2", "gif")


if __name__ == "__main__":
    for item in INPUTS:
        item.load()
