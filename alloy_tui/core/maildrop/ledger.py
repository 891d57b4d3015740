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
import stat
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
        if not self.dirty:
            return
        from alloy_tui.core.fs import atomic_write

        if not self.entries:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
        else:
            text = json.dumps({"version": 1, "entries": self.entries}, sort_keys=True)
            atomic_write(self.path, text.encode())
        self.dirty = False


def read_entries(path: Path) -> dict[str, dict[str, Any]]:
    """The ledger's entries; {} when there is none (or it is not a regular file of ours)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > 16 << 20:
            return {}
        with os.fdopen(os.dup(fd), "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError):
        return {}
    finally:
        os.close(fd)
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, dict)}


def stuck_files(outbox: Path) -> list[dict[str, Any]]:
    """The maildrop files the runner could not remove (for `status --check`): each with
    ``file`` (already printable), ``state`` and ``reason``."""
    entries = read_entries(Path(outbox) / LEDGER_FILE)
    return [e for e in entries.values() if e.get("state") in STUCK]
