"""Progress lines on stderr for the long commands (seeding, sweeps, backfills).

While the work runs, a line every few seconds ("seeding poses: 300/928, 6 s"), so a
run against a deployed stack never looks hung; at the end one final line. Short runs
print only the final line. stdout is left to the command's result alone.
"""
from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, label: str, total: int | None = None, *, every_seconds: float = 5.0):
        self.label = label
        self.total = total
        self.done = 0
        self.stage = ""  # what part of the work `done` counts, if it has parts
        self.every_seconds = every_seconds
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)

    def __enter__(self) -> "Progress":
        self._ticker.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._ticker.join()

    def advance(self, items: int = 1) -> None:
        self.done += items

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._started

    def status(self) -> str:
        """The line printed while the work runs."""
        if self.total is not None:
            stage = f"{self.stage} " if self.stage else ""
            return (f"{self.label}: {stage}{self.done}/{self.total}, {self.seconds:.0f} s  "
                    f"{bar(self.done, self.total)}")
        return f"{self.label}: running, {self.seconds:.0f} s"

    def finish(self, detail: str = "") -> None:
        """The final line: how long it took, then `detail` (where, what to do next)."""
        _print(f"{self.label}: done in {self.seconds:.1f} s{detail}")

    def _tick(self) -> None:
        while not self._stop.wait(self.every_seconds):
            _print(self.status())


def bar(done: int, total: int, width: int = 30) -> str:
    """[#########.....................]  31 %: a bar that reads in a log file too (no \r)."""
    share = min(1.0, done / total) if total else 1.0
    filled = round(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share * 100:3.0f} %"


def _print(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # sys.stderr looked up now: it may be redirected
