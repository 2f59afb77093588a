"""Does a portrait look like the person in the photo? The cosine similarity of two face
embeddings: dlib's ResNet face-recognition model (128 numbers a face, 99.38 % on LFW)
over a face aligned by dlib's 5-point landmark predictor.

Both models ship as files inside the registry package face_recognition_models (the
faces layer keeps only these two of its four files): nothing is downloaded at run time.
The package's own __init__ needs pkg_resources, so its folder is found, not imported.

Measured on the local face renderer's outputs (bench/bench_likeness.py): the same person
scores 0.94-1.00, two different people 0.85-0.91; a portrait passes at
LIKENESS_THRESHOLD (0.93 by default). The model endpoint runs this same check.
"""
from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from portrait.imaging.faces import Face, find_faces

METHOD = "dlib-resnet-v1-cosine"
_PREDICTOR = "shape_predictor_5_face_landmarks.dat"
_RECOGNISER = "dlib_face_recognition_resnet_model_v1.dat"
# A portrait's head may be small (a full-body shot at 512 px): where the detector finds no
# face in the whole image, it looks again in the pose's head region, enlarged to this side.
HEAD_SEARCH_SIDE = 320
_NOSE, _NECK, _HEAD_POINTS = 0, 1, (0, 14, 15, 16, 17)


class LikenessModelMissing(RuntimeError):
    """The face_recognition_models files are not installed (a deployment error)."""


@dataclass(frozen=True)
class Embedding:
    values: tuple[float, ...]

    def similarity(self, other: Embedding) -> float:
        """Cosine similarity, -1..1 (1: the same direction)."""
        dot = sum(a * b for a, b in zip(self.values, other.values))
        norms = math.sqrt(sum(a * a for a in self.values) * sum(b * b for b in other.values))
        return dot / norms if norms else 0.0


def models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise LikenessModelMissing("face_recognition_models is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (_PREDICTOR, _RECOGNISER):
        if not (folder / name).is_file():
            raise LikenessModelMissing(f"{folder / name} is missing")
    return folder


@lru_cache(maxsize=1)
def _models():
    import dlib  # loaded by the first check, not at cold start

    folder = models_dir()
    return (dlib.shape_predictor(str(folder / _PREDICTOR)),
            dlib.face_recognition_model_v1(str(folder / _RECOGNISER)))


def embed(image: Image.Image, face: Face) -> Embedding:
    """The embedding of `face` (a box in `image`'s pixels)."""
    import dlib
    import numpy as np

    predictor, recogniser = _models()
    pixels = np.asarray(image.convert("RGB"))
    box = dlib.rectangle(int(face.left), int(face.top), int(face.right), int(face.bottom))
    return Embedding(tuple(recogniser.compute_face_descriptor(pixels, predictor(pixels, box), 0)))


def head_region(keypoints, side: int) -> tuple[int, int, int, int] | None:
    """Where the pose puts the head in a `side`-pixel portrait: a square around the
    visible head keypoints, sized from the nose-to-neck distance; None without them."""
    def visible(i):
        point = keypoints[i]
        return point[2] > 0 and 0 <= point[0] <= 1 and 0 <= point[1] <= 1

    head = [keypoints[i] for i in _HEAD_POINTS if visible(i)]
    if not head or not (visible(_NOSE) and visible(_NECK)):
        return None
    cx = sum(p[0] for p in head) / len(head) * side
    cy = sum(p[1] for p in head) / len(head) * side
    neck = math.dist(keypoints[_NOSE][:2], keypoints[_NECK][:2]) * side
    half = max(24.0, 1.6 * neck)
    return (max(0, int(cx - half)), max(0, int(cy - half)),
            min(side, int(cx + half)), min(side, int(cy + half)))


def find_portrait_face(portrait: Image.Image, keypoints) -> tuple[Image.Image, Face] | None:
    """The face of the figure in the pose: the whole portrait searched first (the face
    nearest the pose's nose wins), then its head region enlarged; None when neither
    shows a face the detector can see."""
    side = portrait.width
    faces = find_faces(portrait, side=max(portrait.size), min_score=0.0)
    if faces:
        nose = keypoints[_NOSE]
        target = (nose[0] * side, nose[1] * side) if nose[2] > 0 else (side / 2, side / 2)
        return portrait, min(faces, key=lambda f: math.dist(f.centre, target))
    region = head_region(keypoints, side)
    if region is None:
        return None
    crop = portrait.crop(region)
    if min(crop.size) < 8:
        return None
    scale = HEAD_SEARCH_SIDE / max(crop.size)
    enlarged = crop.resize((round(crop.width * scale), round(crop.height * scale)),
                           Image.Resampling.LANCZOS)
    faces = find_faces(enlarged, side=HEAD_SEARCH_SIDE, min_score=0.0)
    return (enlarged, faces[0]) if faces else None


def portrait_likeness(portrait: Image.Image, keypoints, reference: Embedding) -> float | None:
    """How much the portrait's figure looks like `reference`; None where no face is found."""
    found = find_portrait_face(portrait, keypoints)
    if found is None:
        return None
    return round(embed(*found).similarity(reference), 4)
