"""Seed 003's price list: 5 a generation, +2 for HD, +3 for priority."""
from __future__ import annotations

import pytest

from portrait.services.accounts.credits import generation_cost


@pytest.mark.parametrize("quality, priority, cost", [
    ("sd", False, 5), ("hd", False, 7), ("sd", True, 8), ("hd", True, 10),
])
def test_cost(quality, priority, cost) -> None:
    assert generation_cost(quality, priority) == cost
