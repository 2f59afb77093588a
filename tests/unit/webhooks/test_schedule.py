"""The retry schedule: waits with jitter on top, at least the schedule's sum in all."""
from __future__ import annotations

from portrait.config import Settings
from portrait.services.webhooks.schedule import JITTER_FRACTION, least_retry_span, next_wait

DEFAULT = Settings.default_of("webhook_retry_schedule")


def test_the_default_schedule_retries_for_at_least_a_day() -> None:
    assert DEFAULT == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    assert least_retry_span(DEFAULT) >= 24 * 3600


def test_each_wait_is_the_schedules_plus_up_to_a_quarter() -> None:
    for attempts_made, base in enumerate(DEFAULT):
        waits = [next_wait(attempts_made, DEFAULT) for _ in range(200)]
        assert all(base <= wait <= base * (1 + JITTER_FRACTION) for wait in waits)
        if base:
            assert len(set(waits)) > 150  # drawn on every call, not once


def test_after_the_last_attempt_the_delivery_is_parked() -> None:
    assert next_wait(len(DEFAULT), DEFAULT) is None
    assert next_wait(1, (0,)) is None


def test_the_first_attempt_is_at_once() -> None:
    assert next_wait(0, DEFAULT) == 0
