"""The queue screen's file work, in thread workers: reading the outbox and watching it.

`watch_outbox` first reads the metadata newest first, in batches (the first rows show after a
few hundred files, not 10,000), then polls: the `meta/` folder's entries (name, inode, mtime
and size: a rewrite is a rename, so a new inode, but two rewrites between polls can get the
first inode back) say which messages are new, changed or gone, and only those
files are read again. Claims held right now say which message a runner is sending.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from textual.dom import DOMNode
from textual.worker import get_current_worker

from alloy_tui.core.outbox import Outbox
from alloy_tui.ui.queue.messages import QueueChanged
from alloy_tui.ui.queue.rows import QueueRow
from alloy_tui.ui.workers import post_from_thread

FIRST_BATCH = 200
BATCH = 2000
RESCAN = 1.0  # seconds: look at the folder even if its mtime did not move (a coarse clock)


Stamp = tuple[int, int, int]  # inode, mtime_ns, size of a metadata file


def _stamp(entry: os.DirEntry[str]) -> Stamp:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return (entry.inode(), 0, 0)
    return (entry.inode(), st.st_mtime_ns, st.st_size)


def _entries(folder: Path) -> dict[str, Stamp]:
    """id -> stamp of each metadata file (the inode alone misses a file rewritten twice
    between two looks when the second rename gets the first inode back)."""
    try:
        with os.scandir(folder) as it:
            return {
                e.name[:-5]: _stamp(e)
                for e in it
                if e.name.endswith(".json") and not e.name.startswith(".")
            }
    except FileNotFoundError:
        return {}


def _claimed(box: Outbox, known: dict[str, QueueRow]) -> set[str]:
    """Ids of the pending messages a runner holds the claim of right now."""
    try:
        names = os.listdir(box.path / "claims")
    except FileNotFoundError:
        return set()
    held = set()
    for name in names:
        qid = name[:-5]
        row = known.get(qid)
        if row is None or row.state == "failed" or not name.endswith(".lock"):
            continue
        lock = box.claim(qid)
        if lock is None:
            held.add(qid)
        else:
            lock.release()  # nobody holds it: pending (the probe removes the stale file)
    return held


class Watcher:
    """What the screen knows of the outbox (thread side), and how it finds what changed."""

    def __init__(self, box: Outbox) -> None:
        self.box = box
        self.inodes: dict[str, Stamp] = {}
        self.rows: dict[str, QueueRow] = {}
        self.sending: set[str] = set()

    def read(self, qid: str) -> QueueRow | None:
        meta = self.box.read_meta(qid)
        if meta is None:
            return None
        state = str(meta.get("state", "pending"))
        if state == "sending":
            state = "pending"
        if qid in self.sending and state != "failed":
            state = "sending"
        return QueueRow.of(meta, state)

    def changes(self) -> tuple[list[QueueRow], list[str]]:
        """Read only what is new or rewritten since the last call; what has gone."""
        now = _entries(self.box.path / "meta")
        removed = [qid for qid in self.inodes if qid not in now]
        changed = [qid for qid, ino in now.items() if self.inodes.get(qid) != ino]
        rows = self.read_all(sorted(changed, reverse=True), now)
        for qid in removed:
            del self.inodes[qid]
            self.rows.pop(qid, None)
        return rows, removed

    def read_all(self, ids: list[str], inodes: dict[str, Stamp]) -> list[QueueRow]:
        rows = []
        for qid in ids:
            row = self.read(qid)
            if row is not None:
                self.inodes[qid] = inodes[qid]
                self.rows[qid] = row
                rows.append(row)
        return rows

    def claims_changed(self) -> list[QueueRow]:
        held = _claimed(self.box, self.rows)
        flipped = held ^ self.sending
        self.sending = held
        rows = []
        for qid in flipped:
            if qid in self.rows:
                row = self.read(qid)
                if row is not None:
                    self.rows[qid] = row
                    rows.append(row)
        return rows


def watch_outbox(owner: DOMNode, box: Outbox, stop: threading.Event, poll: float) -> None:
    """Post the outbox as `QueueChanged` batches, then every change, until ``stop``."""
    worker = get_current_worker()
    watcher = Watcher(box)
    meta = box.path / "meta"
    inodes = _entries(meta)
    ids = sorted(inodes, reverse=True)
    for start in range(0, max(1, len(ids)), BATCH):
        # The first batch small: the newest rows show at once.
        batch = ids[:FIRST_BATCH] if start == 0 else ids[start : start + BATCH]
        if start == 0 and len(ids) > FIRST_BATCH:
            first = watcher.read_all(batch, inodes)
            if not post_from_thread(owner, QueueChanged(first, [], 1 - FIRST_BATCH / len(ids))):
                return
            batch = ids[FIRST_BATCH:BATCH]
        rows = watcher.read_all(batch, inodes)
        left = max(0.0, 1 - (start + BATCH) / len(ids)) if ids else 0.0
        if not post_from_thread(owner, QueueChanged(rows, [], left)) or worker.is_cancelled:
            return
    last_mtime, last_scan = -1, 0.0
    hold = None
    while not stop.is_set() and not worker.is_cancelled:
        now_hold = box.hold()  # a few hundred bytes, when there is a hold at all
        if now_hold != hold:
            hold = now_hold
            if not post_from_thread(owner, QueueChanged([], [], hold=hold, hold_changed=True)):
                return
        mtime = 0
        with contextlib.suppress(OSError):
            mtime = os.stat(meta).st_mtime_ns
        changed: list[QueueRow] = []
        removed: list[str] = []
        if mtime != last_mtime or time.monotonic() - last_scan >= RESCAN:
            last_mtime, last_scan = mtime, time.monotonic()
            changed, removed = watcher.changes()
        changed += watcher.claims_changed()
        if (changed or removed) and not post_from_thread(owner, QueueChanged(changed, removed)):
            return
        stop.wait(poll)
