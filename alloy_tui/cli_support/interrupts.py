"""Ctrl+C, SIGTERM (systemd, `timeout`, kill) and SIGHUP (the SSH session dropped) during a send.

By default SIGTERM and SIGHUP end the process at once, so the attempt left no alert-log entry.
While a send is in flight they raise `Interrupted` instead (a KeyboardInterrupt, like Ctrl+C):
`send_message` writes one `<event>.interrupted` entry and the command exits 128 + the signal's
number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), as shells report a killed process.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        self.signal_name = signal.Signals(signum).name
        self.exit_code = 128 + signum
        super().__init__(self.signal_name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """During the block, the first SIGINT/SIGTERM/SIGHUP raises Interrupted in the main thread;
    any later one is ignored, so the entry for the first is written whole."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if fired:
            return
        fired.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
