"""The local face renderer's output, to look at: three photos x three poses in each style.

    python bench/render_gallery.py [--out docs/renders] [--samples]

Writes one contact sheet per style (docs/renders/<style>.jpg: rows are photos, columns
poses, each portrait rendered at 512 px and shown at 256) and, with --samples, the style
presets' sample portraits that GET /styles serves (portrait/style_samples/<style>.jpg:
the astronaut waving, 512 px). The photos are real ones that ship in registry packages
(scikit-image's astronaut, matplotlib's Grace Hopper) and one made from them (Grace
Hopper small in the corner of a 2400 x 1600 wall: the face a twelfth of the width).
Prints where each face was found and the render time of each portrait.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT)]

from PIL import Image  # noqa: E402

from portrait.imaging.face_portrait import render_face_portrait  # noqa: E402
from portrait.imaging.faces import PHOTO_SIDE, find_faces  # noqa: E402
from portrait.poses.catalogue import generate_catalogue  # noqa: E402
from portrait.styles import STYLE_NAMES  # noqa: E402
from tests.unit.faces import photos  # noqa: E402

POSES = ("standing-relaxed-front-full", "waving-hand-up-angled-knees",
         "hands-on-hips-both-hands-front-waist")
SAMPLE = ("astronaut", "waving-hand-up-angled-knees")
SIDE, TILE = 512, 256
SAMPLES_DIR = ROOT / "layers" / "common" / "python" / "portrait" / "style_samples"


def _photos() -> dict[str, Image.Image]:
    return {"astronaut": photos.photo("astronaut"), "grace_hopper": photos.photo("grace_hopper"),
            "hopper_far": photos.face_in_corner()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "renders")
    parser.add_argument("--samples", action="store_true",
                        help="also write the style presets' sample portraits")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    keypoints = {p.pose_id: p.keypoints for p in generate_catalogue() if p.pose_id in POSES}
    people = _photos()
    faces = {}
    for name, image in people.items():
        found = find_faces(image, side=PHOTO_SIDE)
        print(f"{name}: {image.width} x {image.height}, faces {[(round(f.left), round(f.top), round(f.width)) for f in found]}")
        faces[name] = found[0]
    for style in STYLE_NAMES:
        sheet = Image.new("RGB", (TILE * len(POSES), TILE * len(people)), "white")
        for row, (name, image) in enumerate(people.items()):
            for column, pose_id in enumerate(POSES):
                started = time.process_time()
                portrait = render_face_portrait(image, faces[name], keypoints[pose_id], SIDE,
                                                style, seed=7)
                took = (time.process_time() - started) * 1000
                print(f"{style:12} {name:12} {pose_id:40} {took:6.1f} ms CPU")
                sheet.paste(portrait.resize((TILE, TILE), Image.Resampling.LANCZOS),
                            (column * TILE, row * TILE))
                if args.samples and (name, pose_id) == SAMPLE:
                    SAMPLES_DIR.mkdir(exist_ok=True)
                    portrait.save(SAMPLES_DIR / f"{style}.jpg", "JPEG", quality=85, optimize=True)
        sheet.save(args.out / f"{style}.jpg", "JPEG", quality=85, optimize=True)
        print(f"wrote {args.out / f'{style}.jpg'}")


if __name__ == "__main__":
    main()
