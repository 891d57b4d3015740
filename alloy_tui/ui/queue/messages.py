"""What the queue screen's thread workers hand to the UI thread, as typed messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from alloy_tui.ui.queue.rows import QueueRow


@dataclass
class QueueChanged(Message, bubble=False):
    """Messages new or changed (`rows`) and gone (`removed`: sent or deleted) since the last
    batch; `reading`: the fraction of the first read still to do (0: all read)."""

    rows: list[QueueRow]
    removed: list[str] = field(default_factory=list)
    reading: float = 0.0
    hold: dict[str, Any] | None = None  # the queue's hold (hold.json), when `hold_changed`
    hold_changed: bool = False


@dataclass
class ActionDone(Message, bubble=False):
    """Send now, retry or delete has been done; `notice` says so, in words."""

    notice: str


@dataclass
class DetailsRead(Message, bubble=False):
    """The details of message `qid`, as text (headers, attempts, its alert-log entries)."""

    qid: str
    text: str
