"""What the checks look at, read cheaply (no msal, httpx, exchangelib or Textual): the outbox's
counts and ages, whether it can be written, when mail was last sent (the alert log's tail)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from alloy_tui.core.outbox import QueueSummary

LOG_TAIL_BYTES = 256 * 1024  # how far back the last mail.sent is looked for
SENT_EVENTS = ("mail.sent", "notification.sent", "test_message.sent")


class OutboxFacts(NamedTuple):
    pending: int = 0
    failed: int = 0
    oldest_pending_s: int | None = None
    problem: str = ""  # why the outbox cannot be read or written ("" when it can)
    readable: bool = True  # False: nothing is known about the messages


def outbox_facts(path: Path, now: float, seen: QueueSummary | None = None) -> OutboxFacts:
    """The outbox's counts and whether it can be used, from its summary (`Outbox.summary`,
    read here unless given): a symlink or another user's folder is CRITICAL, never followed."""
    if seen is None:
        from alloy_tui.core.outbox import Outbox

        seen = Outbox(path).summary(now)
    if not seen.readable:
        return OutboxFacts(problem=seen.problem, readable=False)
    problem = writable_problem(path) or seen.foreign
    return OutboxFacts(seen.pending, seen.failed, seen.oldest_pending_s, problem)


def writable_problem(path: Path) -> str:
    """Why a message could not be written into the outbox now ("" if it could)."""
    from alloy_tui.core.outbox import Outbox

    return Outbox(path).write_problem()


def last_sent_age(log_path: Path, now: float) -> int | None:
    """Seconds since the newest mail.sent / test_message.sent entry near the log's end."""
    try:
        with open(log_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - LOG_TAIL_BYTES))
            tail = f.read(LOG_TAIL_BYTES)
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        if b'.sent"' not in line:
            continue
        try:
            entry = json.loads(line)
            if entry.get("event") not in SENT_EVENTS:
                continue
            ts = datetime.fromisoformat(str(entry["ts"]).replace("Z", "+00:00")).timestamp()
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        return int(max(0.0, now - ts))
    return None
