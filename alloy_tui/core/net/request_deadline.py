"""One overall deadline per request, on top of the libraries' per-read timeouts.

httpx, requests and smtplib apply ``[network] timeout`` to each socket operation, so a server
that sends one byte just before every timeout holds a request for as long as it likes. A
`Deadline` bounds the whole request: the sockets the request uses are registered with the
deadline of the current thread (`watch_socket`), and a watchdog thread shuts them down when it
passes. The blocked read then fails at once, and the caller raises `DeadlineExceeded` (a
TimeoutError, explained as a timeout) instead of the library's "connection closed".

Sockets are remembered by file descriptor and inode, not by object: TLS wraps a socket by moving
its descriptor into a new object (during the handshake the old object is already detached), and
the inode check means a descriptor number reused by another file is never touched.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

_local = threading.local()


class DeadlineExceeded(TimeoutError):
    """The whole request took longer than [network] timeout."""


class Deadline:
    """`with Deadline(seconds):` bounds the registered sockets' use to `seconds` from now.

    `restart()` starts the window again (SMTP: one window per command and its reply)."""

    def __init__(self, seconds: float, what: str = "the server") -> None:
        self.seconds = float(seconds)
        self.what = what
        self.expired = False
        self._at = time.monotonic() + self.seconds
        self._cond = threading.Condition()
        self._done = False
        self._sockets: dict[int, int] = {}  # fd -> inode
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        threading.Thread(target=self._watchdog, name="alloy-deadline", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._done = True
            self._cond.notify_all()
        _local.deadline = self._outer

    def restart(self) -> None:
        with self._cond:
            self._at = time.monotonic() + self.seconds
            self._cond.notify_all()

    def watch(self, sock: Any) -> None:
        try:
            fd = sock.fileno()
            ino = os.fstat(fd).st_ino
        except (OSError, ValueError, AttributeError):
            return
        with self._cond:
            self._sockets[fd] = ino
            if self.expired:
                _shut(fd, ino)

    def exceeded(self) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"{self.what} did not finish answering within {self.seconds:g} s ([network] timeout)"
        )

    def _watchdog(self) -> None:
        with self._cond:
            while not self._done:
                left = self._at - time.monotonic()
                if left <= 0:
                    self.expired = True
                    for fd, ino in self._sockets.items():
                        _shut(fd, ino)
                    return
                self._cond.wait(left)


def _shut(fd: int, ino: int) -> None:
    """Shut the socket down (wakes any blocked read), if `fd` still names that socket."""
    with contextlib.suppress(OSError, ValueError):
        if os.fstat(fd).st_ino != ino:
            return
        s = socket.socket(fileno=fd)
        try:
            s.shutdown(socket.SHUT_RDWR)
        finally:
            s.detach()


def current() -> Deadline | None:
    return getattr(_local, "deadline", None)


def watch_socket(sock: Any) -> None:
    """Register a socket with this thread's deadline, if there is one."""
    deadline = current()
    if deadline is not None:
        deadline.watch(sock)


@contextlib.contextmanager
def deadline(seconds: float, what: str = "the server") -> Iterator[Deadline]:
    with Deadline(seconds, what) as d:
        yield d
