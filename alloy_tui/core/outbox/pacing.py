"""Sending pace: at most ``[queue] max_per_minute`` messages in any 60 seconds, across every
runner of this outbox (the send times live in ``pace.json``, changed under ``pace.lock``; both
opened relative to the checked outbox folder, never through a symlink).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol

from alloy_tui.core import filelocks as locks
from alloy_tui.core import folders

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

    @staticmethod
    def _read(dir_fd: int) -> list[float]:
        try:
            data = json.loads(folders.read_file(dir_fd, "pace.json", 1 << 20) or b"[]")
            return [float(t) for t in data] if isinstance(data, list) else []
        except (ValueError, TypeError):
            return []

    @staticmethod
    def _write(dir_fd: int, stamps: list[float]) -> None:
        tmp = folders.write_temp(dir_fd, "pace.json", json.dumps(stamps).encode())
        try:
            os.replace(tmp, "pace.json", src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            folders.unlink_quietly(dir_fd, tmp)
            raise

    def _take(self) -> float | None:
        """One slot now (None), or how long to wait for one."""
        with (
            folders.opened(self.folder, "the outbox") as dir_fd,
            locks.held(Path("pace.lock"), dir_fd=dir_fd),
        ):
            now = self.clock.now()
            stamps = [t for t in self._read(dir_fd) if now - t < WINDOW and t <= now]
            if len(stamps) < self.per_minute:
                self._write(dir_fd, [*stamps, now])
                return None
            return min(stamps) + WINDOW - now

    def wait_turn(self, stop: threading.Event | None = None) -> bool:
        """Take one send slot, waiting for it if the last minute is full. False if stopped."""
        if self.per_minute <= 0:
            return True
        while stop is None or not stop.is_set():
            try:
                wait = self._take()
            except OSError as e:  # a symlink for pace.lock or pace.json: said, never followed
                raise folders.file_error(e, self.folder / "pace.lock") from None
            if wait is None:
                return True
            self.waited += wait
            self.clock.sleep(wait, stop)
        return False
