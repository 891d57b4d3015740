"""Every file lock alloy-tui takes goes through here (flock): the outbox's claims and runner
lock, the pace, daemon, health and maildrop locks, the alert log's append lock and the
config/secrets savers' folder lock. One kind of lock, one set of flags, one place to read.

    try_lock(name, dir_fd=fd)            # a claim: never waits; None when someone holds it
    wait_lock / held(name, dir_fd=fd)    # runner.lock (shared), pace.lock, health.lock
    is_locked(name, dir_fd=fd)           # a probe that never creates the file
    held_shared(name, dir_fd=fd)         # runner.lock's probe: runners, not other probes
    lock_fd(fd, wait=True)               # a file opened by its owner's own rules (the alert log)
    folder_lock(folder)                  # the config's and the secrets' savers

A claim is an exclusive ``flock`` on ``claims/<id>.lock``. The kernel drops it when its holder
exits, however it exits (SIGKILL included), so a killed runner's claim is gone at once and the
message is simply pending again. Claim files are removed on release; because another process
may have opened the file just before it was removed, a lock counts only if the path still names
the very file that was locked (same device and inode), else we try again on the new file.

With ``dir_fd`` (a checked folder descriptor, `core.folders`) the path is a name in that folder:
the lock file is opened, compared and removed relative to it, never through a symlink.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW


class Lock:
    """A held flock on one file; `release()` (or the context manager) lets it go."""

    def __init__(self, fd: int, path: Path, remove: bool, dir_fd: int | None = None) -> None:
        self.fd = fd
        self.path = path
        self.remove = remove
        self.dir_fd = os.dup(dir_fd) if dir_fd is not None and remove else None

    def release(self) -> None:
        if self.fd < 0:
            return
        if self.remove:
            with contextlib.suppress(OSError):  # still holding the lock: nobody can be inside
                os.unlink(self.path, dir_fd=self.dir_fd)
        if self.dir_fd is not None:
            os.close(self.dir_fd)
            self.dir_fd = None
        os.close(self.fd)
        self.fd = -1

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_fd(fd: int, *, shared: bool = False, wait: bool = True) -> bool:
    """Lock a file already open (its caller opened it by its own rules); False when ``wait``
    is off and someone else holds it. Closing ``fd`` releases it."""
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        fcntl.flock(fd, mode if wait else mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def try_lock(
    path: Path, *, shared: bool = False, remove: bool = True, dir_fd: int | None = None
) -> Lock | None:
    """The lock on ``path`` if nobody holds it now, else None (never waits)."""
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    while True:
        fd = os.open(path, _FLAGS, 0o600, dir_fd=dir_fd)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            on_disk = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.close(fd)
            continue  # removed by its last holder between our open and our lock
        held = os.fstat(fd)
        if (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino):
            return Lock(fd, path, remove, dir_fd)
        os.close(fd)


def wait_lock(path: Path, *, shared: bool = False, dir_fd: int | None = None) -> Lock:
    """Block until the lock is ours (for locks whose file is never removed)."""
    fd = os.open(path, _FLAGS, 0o600, dir_fd=dir_fd)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return Lock(fd, path, remove=False)


def is_locked(path: Path, *, dir_fd: int | None = None) -> bool:
    """True if some process holds the lock (a quick non-blocking probe; the file is kept, and
    never created: a missing lock file is not held)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases our probe's lock
    return False


def held_shared(path: Path, *, dir_fd: int | None = None, tries: int = 5) -> bool:
    """True if some process holds the lock *shared* (every runner holds runner.lock so). A
    probe like `is_locked`, but another probe's exclusive hold, which lasts microseconds, is
    not taken for a runner: it is tried again, and still held after ``tries`` it reads as
    nobody (a second runner finds nothing left to claim; a missed one leaves mail waiting)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return False
    try:
        return _shared_holders(fd, tries)
    finally:
        os.close(fd)  # closing releases our probe's lock


def _shared_holders(fd: int, tries: int) -> bool:
    import time

    for _ in range(tries):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False  # nobody holds it
        except BlockingIOError:
            pass
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True  # held, and only shared: runners
        except BlockingIOError:
            time.sleep(0.001)  # an exclusive holder: another probe, gone in a moment
    return False


@contextlib.contextmanager
def held(path: Path, *, shared: bool = False, dir_fd: int | None = None) -> Iterator[Lock]:
    lock = wait_lock(path, shared=shared, dir_fd=dir_fd)
    try:
        yield lock
    finally:
        lock.release()


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Serialize savers in this folder (so check-then-replace is not raced by another alloy-tui)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
