"""Pose skeletons drawn once per checkout, not once per local stack.

Every `portrait dev` seeds the 928 catalogue skeletons into its fresh bucket, and
drawing them is a third of that seed's CPU (~4 ms each); the test suite starts
several stacks. Drawing is deterministic, so the PNGs are kept on disk beside
the IAM expansion (.portrait/cache) under a name made of the keypoints and of
everything that shapes the picture: the drawing code and Pillow's version. A
change to either draws again; nothing here ever serves a stale picture.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Callable, Sequence

Keypoints = Sequence[Sequence[float]]


def _drawing_version() -> str:
    import PIL
    from portrait.imaging import skeleton
    from portrait.poses import keypoints

    digest = hashlib.sha256(PIL.__version__.encode())
    for module in (skeleton, keypoints):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def cached_drawer(folder: Path) -> Callable[[Keypoints], bytes]:
    """render_skeleton_png, reading a PNG drawn before from `folder` when there is one."""
    from portrait.imaging.skeleton import render_skeleton_png

    version = _drawing_version()
    folder.mkdir(parents=True, exist_ok=True)

    def draw(keypoints: Keypoints) -> bytes:
        name = hashlib.sha256(repr((version, tuple(map(tuple, keypoints)))).encode()).hexdigest()
        path = folder / f"{name}.png"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        png = render_skeleton_png(keypoints)
        # Written aside, then renamed: a stack seeding beside this one never reads half a file.
        partial = path.with_name(f"{name}.{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(png)
        os.replace(partial, path)
        return png

    return draw
