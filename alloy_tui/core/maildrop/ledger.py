"""What the intake remembers between passes: ``<outbox>/maildrop-ledger.json`` (0600).

One entry per maildrop file the intake could not finish with, keyed by the file's
(device, inode, size, mtime): a file whose message is queued but which could not be removed
("taken": never taken twice), a refused entry that could be neither removed nor moved aside
("stuck"), a file that could not be read ("unreadable": said once, not on every pass). An
entry whose file is gone (or changed) is dropped on the next complete pass. `status --check`
reads the file: a "taken" or "stuck" entry is CRITICAL (something in the maildrop can't be
removed: a read-only mount, a wrong owner or mode).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

LEDGER_FILE = "maildrop-ledger.json"
STUCK = ("taken", "stuck")  # what status --check calls CRITICAL
MAX_ENTRIES = 10_000  # a hostile flood of unreadable files can't grow it without bound


def fingerprint(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


class Ledger:
    """The entries, read at the start of a pass and written (atomically) if they changed."""

    def __init__(self, outbox: Path) -> None:
        self.path = Path(outbox) / LEDGER_FILE
        self.entries: dict[str, dict[str, Any]] = read_entries(self.path)
        self.seen: set[str] = set()
        self.dirty = False

    def get(self, fp: str) -> dict[str, Any] | None:
        self.seen.add(fp)
        return self.entries.get(fp)

    def put(self, fp: str, state: str, name: str, reason: str, now: float) -> bool:
        """Record `fp`; True when this is news (not already recorded in this state)."""
        self.seen.add(fp)
        old = self.entries.get(fp)
        if old is not None and old.get("state") == state:
            return False
        if len(self.entries) >= MAX_ENTRIES and old is None and state not in STUCK:
            return True  # said, not kept: the ledger stays small (a queued file is always kept:
            # forgetting it would queue it again)
        self.entries[fp] = {"state": state, "file": name, "reason": reason, "since": now}
        self.dirty = True
        return True

    def drop(self, fp: str) -> None:
        if self.entries.pop(fp, None) is not None:
            self.dirty = True

    def prune(self) -> None:
        """After a complete pass: forget the files no longer there (as they were)."""
        for fp in [fp for fp in self.entries if fp not in self.seen]:
            self.drop(fp)

    def save(self) -> None:
        """Written (or removed, when empty) relative to the checked outbox folder: never
        through a symlink, never in a folder that is not this user's alone."""
        if not self.dirty:
            return
        from alloy_tui.core import folders

        with folders.opened(self.path.parent, "the outbox") as dir_fd:
            if not self.entries:
                folders.unlink_quietly(dir_fd, LEDGER_FILE)
                folders.fsync_fd(dir_fd)
            else:
                text = json.dumps({"version": 1, "entries": self.entries}, sort_keys=True)
                folders.replace_file(dir_fd, LEDGER_FILE, text.encode())
        self.dirty = False


def read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The ledger's entries; {} when there is none (or it is not a regular file of ours, or
    the outbox folder is not a checked one)."""
    from alloy_tui.core import folders

    try:
        with folders.opened(path.parent, "the outbox") as dir_fd:
            raw = folders.read_file(dir_fd, path.name, 16 << 20)
        data = json.loads(raw) if raw is not None else None
    except (OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, dict)}


def stuck_files(outbox: Path) -> list[dict[str, Any]]:
    """The maildrop files the runner could not remove (for `status --check`): each with
    ``file`` (already printable), ``state`` and ``reason``."""
    entries = read_entries(Path(outbox) / LEDGER_FILE)
    return [e for e in entries.values() if e.get("state") in STUCK]
