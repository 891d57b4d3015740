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
    """The lock, or None when another daemon holds it. The pid of the holder is in the file,
    opened relative to the checked outbox folder (FolderCheckError when it is not ours)."""
    from alloy_tui.core import folders

    path = Path(outbox) / LOCK_FILE
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            fd = os.open(LOCK_FILE, flags, 0o600, dir_fd=dir_fd)
    except OSError as e:
        raise folders.file_error(e, path) from None
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
    from alloy_tui.core import folders

    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            data = folders.read_file(dir_fd, LOCK_FILE, 64) or b""
    except OSError:
        return ""
    return data.decode("ascii", "replace").strip()
