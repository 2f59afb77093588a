"""Faces in a photo: where they are, by dlib's HOG frontal-face detector.

The detector's model is compiled into dlib itself (the dlib-bin wheel, built for arm64
and x86_64 on Python 3.12), so nothing is downloaded at run time and no file ships
beside the code. It looks at a grey copy whose longer side is `side` pixels, without
upsampling: its 80-pixel window then finds faces from 80/side of the photo's longer
side up. Avatar framing looks at 640 (faces from 1/8 of the photo: a selfie, a
portrait, a head-and-shoulders shot; 10-25 ms on one core); a portrait's photo at
1024 (from 1/13, so that a second, smaller face in a group photo is seen too; about
45 ms). Smaller faces count as none: too few pixels to frame or to render a likeness.

Photos are judged upright: callers pass the image as it will be seen (EXIF applied).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from portrait.imaging.modes import resizable

DETECT_SIDE = 640  # avatar framing
PHOTO_SIDE = 1024  # a portrait's input photo: every face that matters
# The detector's margin (its SVM score) a face must clear. Faces in the test photos
# score 1.0-1.6; textures, fur and drawings that fire at all stay under 0.2.
MIN_SCORE = 0.5


@dataclass(frozen=True)
class Face:
    """A face's box in the coordinates of the image searched, and the detector's score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


@lru_cache(maxsize=1)
def _detector():
    import dlib  # a 12 MB native module: loaded by the first photo, not at cold start

    return dlib.get_frontal_face_detector()


def shrunk(image: Image.Image, side: int) -> Image.Image:
    """`image` reduced by the largest integer factor that keeps its longer side at least
    `side` (a box filter: cheap, and no full-size copy in another mode is ever made), in
    a mode that converts to grey faithfully."""
    factor = max(1, max(image.size) // side)
    if factor == 1:
        small = image
    elif image.mode in ("P", "PA", "1"):  # no reduce() for these: sampled, then converted
        small = image.resize((image.width // factor, image.height // factor),
                             Image.Resampling.NEAREST)
    else:
        small = image.reduce(factor)
    return resizable(small)


def find_faces(image: Image.Image, *, side: int = DETECT_SIDE,
               min_score: float = MIN_SCORE) -> list[Face]:
    """Every face of `image` the detector is sure of, the surest first, looked for on a
    grey copy at most `side` pixels long."""
    import numpy as np

    scale = min(1.0, side / max(image.size))
    grey = shrunk(image, side).convert("L")
    if scale < 1:
        grey = grey.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                           Image.Resampling.BILINEAR, reducing_gap=2.0)
    boxes, scores, _ = _detector().run(np.asarray(grey), 0, min_score)
    faces = [Face(left=max(0.0, box.left() / scale), top=max(0.0, box.top() / scale),
                  right=min(float(image.width), (box.right() + 1) / scale),
                  bottom=min(float(image.height), (box.bottom() + 1) / scale), score=score)
             for box, score in zip(boxes, scores)]
    return sorted(faces, key=lambda face: face.score, reverse=True)
