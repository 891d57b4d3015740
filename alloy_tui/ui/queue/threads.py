"""The queue screen's file work, in thread workers: reading the outbox and watching it.

`watch_outbox` first reads the metadata newest first, in batches (the first rows show after a
few hundred files, not 10,000), then polls: `Outbox.stamp` (two lstat calls) says whether messages or the hold changed; only
then are the messages' entries (`Outbox.entries`: inode, mtime and size; a rewrite is a rename,
so a new inode, but two rewrites between polls can get the first inode back) compared, and only
the new or changed files read again. Claims held right now (`Outbox.claimed`, a probe) say which
message a runner is sending. The outbox's folder layout stays the outbox's.
"""

from __future__ import annotations

import threading
import time

from textual.dom import DOMNode
from textual.worker import get_current_worker

from alloy_tui.core.outbox import Outbox, OutboxError
from alloy_tui.ui.queue.messages import QueueChanged
from alloy_tui.ui.queue.rows import QueueRow
from alloy_tui.ui.workers import post_from_thread

FIRST_BATCH = 200
BATCH = 2000
SETTLE = 2.0  # seconds: a folder changed this recently is listed again (a coarse mtime clock)
RESCAN = 1.0  # ...at most once a second


Stamp = tuple[int, int, int]  # inode, mtime_ns, size of a metadata file


def _entries(box: Outbox) -> dict[str, Stamp]:
    """id -> stamp of each metadata file ({} while the outbox can't be read)."""
    try:
        return box.entries()
    except (OSError, OutboxError):
        return {}


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
        now = _entries(self.box)
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
        try:  # the pending messages a runner holds the claim of right now
            held = self.box.claimed([q for q, r in self.rows.items() if r.state != "failed"])
        except (OSError, OutboxError):
            held = set()
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
    inodes = _entries(box)
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
    # Each poll: two lstat calls (`Outbox.stamp`: the messages and the hold); the messages are listed
    # only when their part moved, or while its last change is too recent for its mtime to be
    # trusted (two renames in one clock tick leave it as it was); the hold read only when
    # hold.json moved.
    last_meta: object = ("unseen",)
    last_hold: object = ("unseen",)
    settled_at = last_scan = 0.0
    while not stop.is_set() and not worker.is_cancelled:
        meta_key, hold_key = box.stamp()
        if hold_key != last_hold:
            last_hold = hold_key
            if not post_from_thread(
                owner, QueueChanged([], [], hold=box.hold(), hold_changed=True)
            ):
                return
        changed: list[QueueRow] = []
        removed: list[str] = []
        now = time.time()
        if meta_key != last_meta or (now < settled_at and now - last_scan >= RESCAN):
            if meta_key != last_meta:
                mtime = meta_key[1] / 1e9 if meta_key is not None else 0.0
                settled_at = mtime + SETTLE
            last_meta, last_scan = meta_key, now
            changed, removed = watcher.changes()
        changed += watcher.claims_changed()
        if (changed or removed) and not post_from_thread(owner, QueueChanged(changed, removed)):
            return
        stop.wait(poll)
