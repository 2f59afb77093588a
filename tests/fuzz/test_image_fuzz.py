"""A short, deterministic fuzz run in every `make test`: mutated valid files of every
format end as a prepared image or a clean rejection. The long, coverage-guided run is
`make fuzz` (atheris, tests/fuzz/fuzz_images.py)."""
from __future__ import annotations

import random
from collections import Counter

from tests.fuzz.image_target import check, mutate, seeds

CASES = 10_000


def test_mutated_images_end_in_a_clean_outcome() -> None:
    rng = random.Random(20261202)
    outcomes = Counter()
    for _ in range(CASES):
        data = mutate(rng.choice(seeds()), rng)
        try:
            outcomes[check(data)] += 1
        except Exception as exc:  # noqa: BLE001 - report the input that broke it
            raise AssertionError(f"{type(exc).__name__}: {exc} on {len(data)} bytes "
                                 f"starting {data[:32]!r}") from exc
    print(f"\n{CASES} mutated files: {dict(outcomes)}")
    assert sum(outcomes.values()) == CASES and outcomes["ok"] and outcomes["corrupt"]


def test_every_seed_is_a_valid_image() -> None:
    assert [check(seed) for seed in seeds()] == ["ok"] * len(seeds())
