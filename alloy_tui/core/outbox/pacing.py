"""Sending pace: at most ``[queue] max_per_minute`` messages in any 60 seconds, across every
runner of this outbox (the send times live in ``pace.json``, changed under ``pace.lock``).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol

from alloy_tui.core.outbox import locks

WINDOW = 60.0


class Clock(Protocol):
    """Time for the runner: real in production, simulated in tests (no real sleeping)."""

    def now(self) -> float: ...

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None: ...


class SystemClock:
    def now(self) -> float:
        import time

        return time.time()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        import time

        if seconds <= 0:
            return
        if stop is not None:
            stop.wait(seconds)
        else:
            time.sleep(seconds)


class Pacer:
    def __init__(self, folder: Path, per_minute: int, clock: Clock) -> None:
        self.folder = folder
        self.per_minute = per_minute
        self.clock = clock
        self.waited = 0.0

    def _read(self) -> list[float]:
        try:
            data = json.loads((self.folder / "pace.json").read_bytes())
            return [float(t) for t in data] if isinstance(data, list) else []
        except (OSError, ValueError, TypeError):
            return []

    def _write(self, stamps: list[float]) -> None:
        tmp = self.folder / f".pace.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(stamps, f)
        os.replace(tmp, self.folder / "pace.json")

    def wait_turn(self, stop: threading.Event | None = None) -> bool:
        """Take one send slot, waiting for it if the last minute is full. False if stopped."""
        if self.per_minute <= 0:
            return True
        while stop is None or not stop.is_set():
            with locks.held(self.folder / "pace.lock"):
                now = self.clock.now()
                stamps = [t for t in self._read() if now - t < WINDOW and t <= now]
                if len(stamps) < self.per_minute:
                    self._write([*stamps, now])
                    return True
                wait = min(stamps) + WINDOW - now
            self.waited += wait
            self.clock.sleep(wait, stop)
        return False
