"""The likeness check's figures on the local face renderer's outputs: how the same
person and another person score, per style and size, and how long a check takes.

    python bench/bench_likeness.py [--poses 12]

Two real photos (scikit-image's astronaut, matplotlib's Grace Hopper), a random sample
of catalogue poses, three styles, SD and HD: each portrait is scored against its own
photo and against the other person's (portrait.imaging.likeness, cosine of dlib ResNet
embeddings). Where no face is found even in the enlarged head region, the portrait
counts as "not measured". The threshold (LIKENESS_THRESHOLD, 0.93) should sit between
the lowest same-person and the highest other-person score.
"""
from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT)]

from PIL import Image  # noqa: E402

from portrait.imaging.face_portrait import face_portrait_png  # noqa: E402
from portrait.imaging.faces import PHOTO_SIDE, find_faces  # noqa: E402
from portrait.imaging.likeness import embed, find_portrait_face  # noqa: E402
from portrait.poses.catalogue import generate_catalogue  # noqa: E402
from portrait.styles import STYLE_NAMES  # noqa: E402
from tests.unit.faces import photos  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=12)
    args = parser.parse_args()
    people = {name: photos.photo(name) for name in ("astronaut", "grace_hopper")}
    faces = {name: find_faces(image, side=PHOTO_SIDE)[0] for name, image in people.items()}
    references = {name: embed(people[name], faces[name]) for name in people}
    poses = random.Random(1).sample(generate_catalogue(), args.poses)
    same, other, unmeasured, timings = defaultdict(list), defaultdict(list), defaultdict(int), []
    for name, photo in people.items():
        stranger = next(n for n in people if n != name)
        for pose in poses:
            keypoints = [list(p) for p in pose.keypoints]
            for style in STYLE_NAMES:
                for side in (512, 1024):
                    png = face_portrait_png(photo, faces[name], keypoints, side, style, 3)
                    portrait = Image.open(io.BytesIO(png)).convert("RGB")
                    started = time.perf_counter()
                    found = find_portrait_face(portrait, keypoints)
                    if found is None:
                        unmeasured[(style, side)] += 1
                        continue
                    embedding = embed(*found)
                    timings.append(time.perf_counter() - started)
                    same[(style, side)].append(embedding.similarity(references[name]))
                    other[(style, side)].append(embedding.similarity(references[stranger]))
    print(f"{'style':<13}{'side':>5}{'n':>4}{'same min':>10}{'same avg':>10}"
          f"{'other max':>11}{'other avg':>11}{'unmeasured':>12}")
    for key in sorted(same):
        s, o = same[key], other[key]
        print(f"{key[0]:<13}{key[1]:>5}{len(s):>4}{min(s):>10.3f}{sum(s) / len(s):>10.3f}"
              f"{max(o):>11.3f}{sum(o) / len(o):>11.3f}{unmeasured[key]:>12}")
    every_same = [v for values in same.values() for v in values]
    every_other = [v for values in other.values() for v in values]
    timings.sort()
    print(f"same person: {min(every_same):.3f}-{max(every_same):.3f}; other person: "
          f"{min(every_other):.3f}-{max(every_other):.3f}; not measured: "
          f"{sum(unmeasured.values())} of {len(every_same) + sum(unmeasured.values())}")
    print(f"check (find + embed) p50 {timings[len(timings) // 2] * 1000:.0f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
