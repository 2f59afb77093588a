"""The style presets as clients see them (GET /styles), each with a sample portrait, and
the samples' seeding beside the pose catalogue's.

The samples are the local face renderer's own output for one photo and one pose
(bench/render_gallery.py --samples makes them), shipped with the package and
written under poses/styles/ by `portrait seed poses`; their key carries a digest
of their bytes, so a new sample gets a new URL and CDNs may cache forever.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from portrait.store import keys, objects
from portrait.styles import STYLES

SAMPLES = Path(__file__).resolve().parents[2] / "style_samples"


@dataclass(frozen=True)
class StyleView:
    name: str
    title: str
    description: str
    sample_url: str


@lru_cache(maxsize=None)
def _sample(name: str) -> tuple[str, bytes]:
    body = (SAMPLES / f"{name}.jpg").read_bytes()
    return keys.style_sample_key(name, hashlib.sha256(body).hexdigest()[:12]), body


def list_styles() -> list[StyleView]:
    return [StyleView(name=p.name, title=p.title, description=p.description,
                      sample_url=objects.public_url(_sample(p.name)[0]))
            for p in STYLES.values()]


def seed_style_samples() -> int:
    """Write the samples not yet in the bucket; returns how many were written."""
    present = {o.key for page in objects.iter_object_pages(keys.STYLE_SAMPLES_PREFIX)
               for o in page}
    missing = [_sample(name) for name in STYLES if _sample(name)[0] not in present]
    if missing:
        objects.put_objects([(key, body, "image/jpeg") for key, body in missing],
                            cache_control=keys.MEDIA_CACHE_CONTROL)  # immutable: the digest
    return len(missing)
