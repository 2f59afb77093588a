"""The long fuzz run: atheris (libFuzzer for Python), coverage-guided over Pillow's
Python plugins and our validation, from the seeds of image_target.

    make fuzz                                   # a million executions
    .venv/bin/python -m tests.fuzz.fuzz_images -runs=100000 -max_len=65536 CORPUS_DIR

A crash (any exception but ImageRejected) stops the run and leaves the input in a
crash-* file (under .portrait/fuzz/ with `make fuzz`); replay it with
`python -m tests.fuzz.fuzz_images FILE`, then keep it as a case of
FUZZ_FINDINGS in tests/unit/imaging/test_validate.py.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["PIL", "portrait"]):
    from tests.fuzz.image_target import check, seeds


def one_input(data: bytes) -> None:
    check(data)


def main() -> None:
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = Path(tempfile.mkdtemp(prefix="image-fuzz-"))
        for n, seed in enumerate(seeds()):
            (corpus / f"seed-{n}").write_bytes(seed)
        args.append(str(corpus))
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
