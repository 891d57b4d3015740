"""The outbox in one line for the wizard's title bar ("3 pending, 1 failed: F2 queue"), kept
up to date by a thread worker that counts again only when the outbox's `meta/` folder changed.
"""

from __future__ import annotations

import contextlib
import os
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
    last = None
    while not stop.is_set():
        mtime = None
        with contextlib.suppress(OSError):
            mtime = os.stat(outbox / "meta").st_mtime_ns
        if mtime != last:
            last = mtime
            counts = box.counts()
            pending = counts.get("pending", 0) + counts.get("sending", 0)
            if not post_from_thread(owner, OutboxCounts(pending, counts.get("failed", 0))):
                return
        stop.wait(POLL)
