"""Real photographs for the face tests, read from the wheels that ship them (scikit-image's
data folder, matplotlib's sample data): nothing is downloaded, nothing is copied into
this repository. Composites (two faces, a face in a corner) are made from them here."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import skimage
from PIL import Image

SKIMAGE_DATA = Path(skimage.__file__).parent / "data"
MPL_DATA = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data"

# One face each, frontal: an astronaut's portrait and Grace Hopper's.
FACES = {"astronaut": SKIMAGE_DATA / "astronaut.png", "grace_hopper": MPL_DATA / "grace_hopper.jpg"}
# No face (textures, objects, a cat, drawings, text, space, microscopy, a chessboard).
NO_FACE = ["brick", "cell", "chelsea", "chessboard_RGB", "clock_motion", "coffee", "coins",
           "color", "grass", "gravel", "horse", "hubble_deep_field", "ihc", "logo", "moon",
           "motorcycle_left", "page", "phantom", "retina", "rocket", "text"]


@lru_cache(maxsize=None)
def photo(name: str) -> Image.Image:
    path = FACES.get(name) or next(SKIMAGE_DATA.glob(f"{name}.*"))
    with Image.open(path) as image:
        return image.convert("RGB")


def noise(size: tuple[int, int] = (800, 600), seed: int = 7) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def two_faces(close_up: bool = False) -> Image.Image:
    """The two portraits side by side, as one photo. close_up: each cut to a square of
    three face widths around the face first, so both faces are large (a sixth of the
    photo's width each), as in a selfie of two."""
    canvas = Image.new("RGB", (1024, 600), (128, 128, 128))
    if close_up:
        for index, name in enumerate(FACES):
            canvas.paste(_close_up(photo(name)).resize((480, 480)), (20 + index * 512, 60))
        return canvas
    canvas.paste(photo("astronaut").resize((512, 512)), (0, 44))
    canvas.paste(photo("grace_hopper").resize((437, 512)), (560, 44))
    return canvas


def _close_up(image: Image.Image) -> Image.Image:
    from portrait.imaging.faces import find_faces

    face = find_faces(image)[0]
    half = 1.5 * face.width
    x, y = face.centre
    return image.crop((round(x - half), round(y - half), round(x + half), round(y + half)))


def face_in_corner(size: tuple[int, int] = (2400, 1600)) -> tuple[Image.Image, tuple[int, int]]:
    """Grace Hopper's portrait small in the top right corner of a plain wall (her face
    about a twelfth of the photo's width), and where her face's centre is (found by the
    detector on the portrait alone, then moved)."""
    from portrait.imaging.faces import find_faces

    height = round(size[1] * 0.44)  # as a 2400 x 1600 photo holds a 600 x 703 portrait
    width = round(height * 512 / 600)
    portrait = photo("grace_hopper").resize((width, height))
    face = find_faces(portrait)[0]
    canvas = Image.new("RGB", size, (196, 188, 170))
    offset = (size[0] - width - size[0] // 60, size[1] // 40)
    canvas.paste(portrait, offset)
    return canvas, (round(face.centre[0] + offset[0]), round(face.centre[1] + offset[1]))


def jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def face_jpeg_gps_orientation6() -> bytes:
    """Grace Hopper's portrait as a phone stores it: turned, EXIF orientation 6 (seen
    upright once applied, 512 x 600), with GPS and XMP that must never survive."""
    from tests.unit.imaging.corpus import XMP_SECRET, exif_with

    stored = photo("grace_hopper").transpose(Image.Transpose.ROTATE_90)
    return jpeg(stored, exif=exif_with(6, gps=True),
                xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + XMP_SECRET + b"</x:xmpmeta>")


def face_png_alpha() -> bytes:
    """The astronaut's portrait as a PNG with transparent corners."""
    image = photo("astronaut").convert("RGBA")
    alpha = Image.new("L", image.size, 0)
    alpha.paste(255, (40, 0, image.width - 40, image.height))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
