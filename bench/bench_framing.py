"""What face-aware framing costs: avatar variants with and without the face detector.

    python bench/bench_framing.py [--runs 9]

For each input, make_variants runs with frame_faces off (the centre square, as before
framing existed) and on (detect, then frame around one face), interleaved, and the
median CPU time of each (process time: every thread's) is printed with the difference,
beside the detector's own time (framing.frame_source on the decoded source). Inputs:
the imaging bench's 12 MP and 2 MP JPEGs (no face: the detector runs and finds none,
the usual cost), and a 12 MP photo with a portrait in its corner (a face found: the
square moves to it, so the variants are of other pixels, a detailed face instead of a
plain wall, and their encoding costs differ by more than the detector does). Not a
test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common" / "python"), str(ROOT / "bench"), str(ROOT)]

import imaging_inputs  # noqa: E402

from portrait.imaging import decode, make_variants  # noqa: E402
from portrait.imaging.framing import frame_source  # noqa: E402


def _inputs() -> list[tuple[str, bytes]]:
    from tests.unit.faces import photos

    corner, _ = photos.face_in_corner((4000, 3000))
    chosen = {item.key: item for item in imaging_inputs.INPUTS}
    return [(chosen["jpeg12"].label, chosen["jpeg12"].load()),
            (chosen["jpeg2"].label, chosen["jpeg2"].load()),
            ("12 MP JPEG with a portrait in its corner (4000x3000)", photos.jpeg(corner))]


def _cpu_ms(data: bytes, frame_faces: bool) -> tuple[float, str]:
    started = time.process_time()
    result = make_variants(data, frame_faces=frame_faces)
    return (time.process_time() - started) * 1000, result.framing


def _detect_ms(data: bytes) -> float:
    source = decode(data, at_least=1024)
    started = time.process_time()
    frame_source(source)
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    make_variants(_inputs()[1][1], frame_faces=True)  # load dlib and warm the pools once
    print(f"avatar variants, median CPU ms of {args.runs} interleaved runs")
    print(f"{'input':56s} {'centre':>8s} {'framed':>8s} {'+%':>6s} {'detect':>7s} {'+%':>6s}"
          "  framing")
    for label, data in _inputs():
        off, on, detect, framing = [], [], [], ""
        for _ in range(args.runs):
            off.append(_cpu_ms(data, False)[0])
            ms, framing = _cpu_ms(data, True)
            on.append(ms)
            detect.append(_detect_ms(data))
        a, b, d = statistics.median(off), statistics.median(on), statistics.median(detect)
        print(f"{label:56s} {a:8.1f} {b:8.1f} {100 * (b - a) / a:+6.1f} {d:7.1f} "
              f"{100 * d / a:+6.1f}  {framing}")


if __name__ == "__main__":
    main()
