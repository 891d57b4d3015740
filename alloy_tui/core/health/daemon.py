"""One daemon per outbox: ``daemon.lock`` held exclusively for the daemon's whole life (the
kernel drops it however the process ends). A second `queue run --daemon` sees it held and
exits with a clear message instead of draining the same queue twice."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "daemon.lock"


class DaemonLock:
    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def daemon_lock(outbox: Path) -> DaemonLock | None:
    """The lock, or None when another daemon holds it. The pid of the holder is in the file."""
    path = Path(outbox) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return DaemonLock(fd, path)


def holder(outbox: Path) -> str:
    """The pid written by the daemon holding the lock ("" if unknown)."""
    try:
        return (Path(outbox) / LOCK_FILE).read_text().strip()
    except OSError:
        return ""
