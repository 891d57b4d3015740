"""The outbox in one line for the wizard's title bar ("3 pending, 1 failed: F2 queue"), kept
up to date by a thread worker that counts again (`Outbox.summary`) only when the outbox changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual.dom import DOMNode
from textual.message import Message

from alloy_tui.ui.workers import post_from_thread

POLL = 0.5  # seconds


@dataclass
class OutboxCounts(Message, bubble=False):
    pending: int
    failed: int


def note(pending: int, failed: int) -> str:
    """ "" when the outbox is empty."""
    parts = [f"{n} {what}" for n, what in ((pending, "pending"), (failed, "failed")) if n]
    return ", ".join(parts) + ": F2 queue" if parts else ""


def watch_counts(owner: DOMNode, outbox: Path, stop: threading.Event) -> None:
    """Post `OutboxCounts` at once and whenever the outbox changes, until ``stop``."""
    from alloy_tui.core.outbox import Outbox

    box = Outbox(outbox)
    last: object = ("unseen",)
    while not stop.is_set():
        stamp = box.stamp()[0]  # one lstat: it moves with every message queued or gone
        if stamp != last:
            last = stamp
            try:
                seen = box.summary()
            except OSError:
                seen = None
            pending, failed = (seen.pending, seen.failed) if seen is not None else (0, 0)
            if not post_from_thread(owner, OutboxCounts(pending, failed)):
                return
        stop.wait(POLL)
