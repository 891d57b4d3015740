"""One daemon per outbox: ``daemon.lock`` held exclusively for the daemon's whole life (the
kernel drops it however the process ends). A second `queue run --daemon` sees it held and
exits with a clear message instead of draining the same queue twice."""

from __future__ import annotations

import os
from pathlib import Path

from alloy_tui.core import filelocks

LOCK_FILE = "daemon.lock"


class DaemonLock:
    def __init__(self, lock: filelocks.Lock, path: Path) -> None:
        self.lock = lock
        self.path = path

    @property
    def fd(self) -> int:
        return self.lock.fd

    def release(self) -> None:
        self.lock.release()


def daemon_lock(outbox: Path) -> DaemonLock | None:
    """The lock, or None when another daemon holds it. The pid of the holder is in the file,
    opened relative to the checked outbox folder (FolderCheckError when it is not ours)."""
    from alloy_tui.core import folders

    path = Path(outbox) / LOCK_FILE
    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            lock = filelocks.try_lock(Path(LOCK_FILE), remove=False, dir_fd=dir_fd)
    except OSError as e:
        raise folders.file_error(e, path) from None
    if lock is None:
        return None
    os.ftruncate(lock.fd, 0)
    os.write(lock.fd, f"{os.getpid()}\n".encode())
    return DaemonLock(lock, path)


def holder(outbox: Path) -> str:
    """The pid written by the daemon holding the lock ("" if unknown)."""
    from alloy_tui.core import folders

    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            data = folders.read_file(dir_fd, LOCK_FILE, 64) or b""
    except OSError:
        return ""
    return data.decode("ascii", "replace").strip()
