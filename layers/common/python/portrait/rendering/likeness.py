"""The likeness check every face-using renderer runs on its output (the local face
renderer here, the model container with the same code): draw, measure the portrait's
face against the photo's, and draw again with another seed while it falls below the
threshold; after the last attempt the render fails (reason likeness_too_low) and the
generation is refunded.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from portrait.errors import RenderFailed
from portrait.imaging.likeness import METHOD, Embedding, portrait_likeness
from portrait.rendering.results import Likeness

_SEED_STEP = 0x9E3779B1  # golden-ratio stride: the retries' seeds share nothing


@dataclass(frozen=True)
class LikenessPolicy:
    threshold: float  # cosine similarity an output must reach (LIKENESS_THRESHOLD)
    attempts: int  # renders drawn at most (LIKENESS_ATTEMPTS)
    # A model must draw a face: none found fails the check. The local renderer pastes the
    # photo's face, and a head too small for the detector is reported as not measured.
    require_face: bool


def attempt_seed(seed: int, attempt: int) -> int:
    """The seed of the attempt'th render (0: the generation's own)."""
    return (seed + attempt * _SEED_STEP) % 2**32


def render_until_alike(draw: Callable[[int], bytes], *, reference: Embedding, keypoints,
                       seed: int, policy: LikenessPolicy) -> tuple[bytes, int, Likeness]:
    """(PNG, its seed, its likeness) of the first render that passes the check."""
    best = None
    for attempt in range(policy.attempts):
        attempt_seed_ = attempt_seed(seed, attempt)
        png = draw(attempt_seed_)
        with Image.open(io.BytesIO(png)) as image:
            score = portrait_likeness(image.convert("RGB"), keypoints, reference)
        likeness = Likeness(score=score, threshold=policy.threshold, attempts=attempt + 1,
                            method=METHOD)
        if (score is None and not policy.require_face) or \
                (score is not None and score >= policy.threshold):
            return png, attempt_seed_, likeness
        best = score if best is None or (score or 0) > best else best
    figure = "no face was found" if best is None else f"the closest scored {best:.2f}"
    raise RenderFailed("likeness_too_low", (
        f"the portrait did not look enough like your photo after {policy.attempts} tries "
        f"({figure}, {policy.threshold:.2f} needed); your credits are back"),
        likeness=best, threshold=policy.threshold, attempts=policy.attempts)
