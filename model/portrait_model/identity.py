"""The face embedding the pipeline is conditioned on. IP-Adapter FaceID was trained on
insightface's buffalo_l embeddings (512 numbers), so that is what the image uses; the
CPU test, whose adapter is tiny and random, conditions on dlib's (128), the same model
the likeness check uses. Either way the face is the one the request's box names."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from portrait.errors import RenderFailed
from portrait.imaging.faces import Face


class IdentityEncoder(Protocol):
    dimensions: int

    def encode(self, photo: Image.Image, face: Face) -> np.ndarray: ...


class InsightFaceEncoder:
    dimensions = 512

    def __init__(self, root: Path, *, gpu: bool = True) -> None:
        from insightface.app import FaceAnalysis

        providers = (["CUDAExecutionProvider"] if gpu else []) + ["CPUExecutionProvider"]
        self.app = FaceAnalysis(name="buffalo_l", root=str(root), providers=providers)
        self.app.prepare(ctx_id=0 if gpu else -1, det_size=(640, 640))

    def encode(self, photo: Image.Image, face: Face) -> np.ndarray:
        bgr = np.asarray(photo.convert("RGB"))[:, :, ::-1]
        found = self.app.get(bgr)
        if not found:
            raise RenderFailed("no_face", "the face analysis found no face in the photo; "
                                          "your credits are back")
        nearest = min(found, key=lambda f: math.dist(
            ((f.bbox[0] + f.bbox[2]) / 2, (f.bbox[1] + f.bbox[3]) / 2), face.centre))
        return np.asarray(nearest.normed_embedding, dtype=np.float32)


class DlibEncoder:
    dimensions = 128

    def encode(self, photo: Image.Image, face: Face) -> np.ndarray:
        from portrait.imaging.likeness import embed

        values = np.asarray(embed(photo, face).values, dtype=np.float32)
        return values / np.linalg.norm(values)
