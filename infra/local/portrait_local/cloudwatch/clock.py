"""The local CloudWatch's clock: real time by default, or faster (`portrait alarms clock
--speed 60`: one real second is one simulated minute), so alarms with periods of
minutes can be seen to fire in seconds.

Simulated time only ever moves forward: a new speed applies from the current simulated
instant on, so after a fast stretch the clock stays ahead of the wall clock.
"""
from __future__ import annotations

import threading
import time
from typing import Callable


class SimulatedClock:
    def __init__(self, speed: float = 1.0, real: Callable[[], float] = time.time) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self._real = real
        self._lock = threading.Lock()
        self._anchor_real = real()
        self._anchor_sim = self._anchor_real
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            return self._anchor_sim + (self._real() - self._anchor_real) * self._speed

    def set_speed(self, speed: float) -> float:
        """Run at `speed` from now on; returns the simulated time of the change."""
        if not speed > 0:
            raise ValueError("the clock speed must be positive")
        with self._lock:
            real = self._real()
            self._anchor_sim += (real - self._anchor_real) * self._speed
            self._anchor_real, self._speed = real, float(speed)
            return self._anchor_sim

    def real_seconds_until(self, simulated: float) -> float:
        """How long to wait (real seconds) until the simulated clock reads `simulated`."""
        with self._lock:
            now = self._anchor_sim + (self._real() - self._anchor_real) * self._speed
            return max(0.0, (simulated - now) / self._speed)

    def state(self) -> dict:
        now = self.now()
        return {"speed": self._speed, "now": now, "ahead_of_real_seconds": now - self._real()}
