"""Simulated time for the runner (`run_queue(..., clock=)`, `Outbox(clock=clock.now)`)."""

from __future__ import annotations

import threading


class FakeClock:
    """Sleeping advances it at once (each sleep kept in `slept`); with `until` and `stop`, it
    stops a daemon once it reaches `until`."""

    def __init__(self, until: float | None = None, stop: threading.Event | None = None) -> None:
        self.t = 1_900_000_000.0
        self.slept: list[float] = []
        self.until, self.stop = until, stop

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        self.slept.append(seconds)
        self.t += max(0.0, seconds)
        if self.until is not None and self.t >= self.until and self.stop is not None:
            self.stop.set()
