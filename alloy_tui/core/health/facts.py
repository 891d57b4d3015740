"""What the checks look at, read cheaply (no msal, httpx, exchangelib or Textual): the outbox's
counts and ages, whether it can be written, when mail was last sent (the alert log's tail)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

LOG_TAIL_BYTES = 256 * 1024  # how far back the last mail.sent is looked for
SENT_EVENTS = ("mail.sent", "notification.sent", "test_message.sent")


class OutboxFacts(NamedTuple):
    pending: int = 0
    failed: int = 0
    oldest_pending_s: int | None = None
    problem: str = ""  # why the outbox cannot be read or written ("" when it can)
    readable: bool = True  # False: nothing is known about the messages


def outbox_facts(path: Path, now: float) -> OutboxFacts:
    from alloy_tui.core.outbox import Outbox

    unsafe = Outbox(path).problem()  # a symlink, another user's folder: CRITICAL, not followed
    if unsafe:
        return OutboxFacts(problem=unsafe, readable=False)
    problem = writable_problem(path) or Outbox(path).foreign_files()
    try:
        if path.exists():
            os.listdir(path / "meta")
    except FileNotFoundError:
        pass
    except OSError as e:
        why = f"the outbox {path} cannot be read: {e.strerror or e}"
        return OutboxFacts(problem=why, readable=False)
    metas = Outbox(path).metas()
    failed = sum(1 for m in metas if m.get("state") == "failed")
    queued = [float(m.get("queued_at") or now) for m in metas if m.get("state") != "failed"]
    oldest = int(max(0.0, now - min(queued))) if queued else None
    return OutboxFacts(len(queued), failed, oldest, problem)


def writable_problem(path: Path) -> str:
    """Why a message could not be written into the outbox now ("" if it could): a probe file
    in its tmp/ folder, or (not created yet) whether its nearest existing folder is writable."""
    tmp = path / "tmp"
    if tmp.exists() and not tmp.is_dir():
        return f"the outbox {path} cannot be written: {tmp} is not a folder"
    if not tmp.is_dir():
        p = path
        while not p.exists() and p.parent != p:
            p = p.parent
        if p.is_dir() and os.access(p, os.W_OK | os.X_OK):
            return ""
        return f"the outbox {path} cannot be created ({p} is not writable)"
    from alloy_tui.core import folders

    probe = f".check-{os.getpid()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        with (
            folders.opened(path, "the outbox") as root,
            folders.opened(tmp, "the outbox folder", parent_fd=root) as tmp_fd,
        ):
            folders.unlink_quietly(tmp_fd, probe)  # our pid's leftover
            try:
                os.close(os.open(probe, flags, 0o600, dir_fd=tmp_fd))
            finally:
                folders.unlink_quietly(tmp_fd, probe)
    except folders.FolderCheckError as e:
        return str(e)
    except OSError as e:
        return f"the outbox {path} cannot be written: {e.strerror or e}"
    return ""


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
