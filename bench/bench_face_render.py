"""What the local face portrait costs: render_face_portrait plus its PNG encoding.

    python bench/bench_face_render.py [--runs 10]

For each style and portrait side (512, 1024), the median and p95 CPU time (process
time: every thread's) of face_portrait_png over `runs` runs with each of the two test
portraits (the astronaut's, Grace Hopper's), the poses taken in turn from a full-body,
a half-body and an angled one, and the mean PNG size. The face is found once per photo,
outside the timing, as the service finds it once per upload. Not a test: it prints
figures and asserts nothing. Budget: 2 s at 1024 px.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT)]

from portrait.imaging.face_portrait import face_portrait_png  # noqa: E402
from portrait.imaging.faces import PHOTO_SIDE, find_faces  # noqa: E402
from portrait.poses.catalogue import generate_catalogue  # noqa: E402
from portrait.styles import STYLE_NAMES  # noqa: E402

POSES = ("standing-relaxed-front-full", "standing-relaxed-front-waist",
         "waving-hand-up-angled-knees")
PEOPLE = ("astronaut", "grace_hopper")
SIDES = (512, 1024)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per photo, style and side")
    args = parser.parse_args()
    from tests.unit.faces import photos

    catalogue = {pose.pose_id: pose.keypoints for pose in generate_catalogue()}
    inputs = []
    for name in PEOPLE:
        image = photos.photo(name)
        inputs.append((image, find_faces(image, side=PHOTO_SIDE)[0]))
    face_portrait_png(*inputs[0], catalogue[POSES[0]], 512, STYLE_NAMES[0], 0)  # warm up
    print(f"face portrait + PNG, CPU ms over {args.runs} runs x {len(PEOPLE)} photos")
    print(f"{'style':14s} {'side':>5s} {'median':>8s} {'p95':>8s} {'max':>8s} {'PNG KB':>8s}")
    for style in STYLE_NAMES:
        for side in SIDES:
            times, sizes = [], []
            for run in range(args.runs):
                for image, face in inputs:
                    keypoints = catalogue[POSES[run % len(POSES)]]
                    started = time.process_time()
                    png = face_portrait_png(image, face, keypoints, side, style, run)
                    times.append((time.process_time() - started) * 1000)
                    sizes.append(len(png))
            print(f"{style:14s} {side:5d} {statistics.median(times):8.1f} {_p95(times):8.1f} "
                  f"{max(times):8.1f} {statistics.mean(sizes) / 1024:8.0f}")


if __name__ == "__main__":
    main()
