"""Where an avatar's square is cut: around the face when the photo has exactly one,
else the centre.

A head-and-shoulders square: HEAD_AND_SHOULDERS face widths a side, the face's centre
FACE_HEIGHT of the way down, then clamped inside the photo (a square larger than the
photo's shorter side becomes the largest that fits, still shifted towards the face).
Boxes are computed upright (as the photo is seen) and mapped back onto the stored
pixels, whose EXIF orientation is applied only after the crop.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from portrait.imaging.faces import DETECT_SIDE, find_faces, shrunk
from portrait.imaging.prepare import exif_orientation, turn_upright
from portrait.imaging.source import DecodedSource

FACE = "face"
CENTRE = "centre"
HEAD_AND_SHOULDERS = 2.6  # face widths a side (the detector's box: brows to chin)
FACE_HEIGHT = 0.42  # the face's centre, as a share of the square's height from the top


@dataclass(frozen=True)
class Framing:
    box: tuple[float, float, float, float]  # left, top, right, bottom, on the stored pixels
    kind: str  # FACE | CENTRE


def centre_square(width: int, height: int) -> tuple[float, float, float, float]:
    short = min(width, height)
    left, top = (width - short) // 2, (height - short) // 2
    return left, top, left + short, top + short


def face_square(face_centre: tuple[float, float], face_width: float, width: int,
                height: int) -> tuple[int, int, int, int]:
    """The head-and-shoulders square around a face, clamped to a width x height photo, in
    whole pixels."""
    side = min(min(width, height), round(face_width * HEAD_AND_SHOULDERS))
    left = min(max(0, round(face_centre[0] - side / 2)), width - side)
    top = min(max(0, round(face_centre[1] - side * FACE_HEIGHT)), height - side)
    return left, top, left + side, top + side


def frame_source(source: DecodedSource) -> Framing:
    """The framing of a decoded source: its first frame looked at small and upright."""
    orientation = exif_orientation(source.image)
    preview = turn_upright(shrunk(source.image, DETECT_SIDE), orientation)
    return frame(preview, (source.info.width, source.info.height), orientation)


def frame(preview: Image.Image, size: tuple[int, int], orientation: int) -> Framing:
    """The square to cut from a `size` (stored) photo; `preview` is a small upright copy
    of it (any size: its boxes are scaled), seen as the EXIF `orientation` says."""
    width, height = size
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    faces = find_faces(preview)
    if len(faces) != 1:
        return Framing(centre_square(width, height), CENTRE)
    k = upright[0] / preview.width
    face = faces[0]
    cx, cy = face.centre
    box = face_square((cx * k, cy * k), face.width * k, *upright)
    return Framing(stored_box(box, size, orientation), FACE)


def stored_box(box: tuple[float, float, float, float], size: tuple[int, int],
               orientation: int) -> tuple[float, float, float, float]:
    """`box`, given on the upright picture, on the stored pixels of a `size` photo with
    that EXIF orientation (the corners mapped back through the transpose)."""
    width, height = size

    def back(x: float, y: float) -> tuple[float, float]:
        return {
            1: (x, y), 2: (width - x, y), 3: (width - x, height - y), 4: (x, height - y),
            5: (y, x), 6: (y, height - x), 7: (width - y, height - x), 8: (width - y, x),
        }[orientation]

    (x0, y0), (x1, y1) = back(box[0], box[1]), back(box[2], box[3])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
