"""Reading the outbox for `Outbox` (spool.py): each message's metadata and raw file, the
listing with each one's current state ('sending' exactly while a runner holds its claim), the
counts. Every file through a checked folder descriptor (folder_access.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from alloy_tui.core import filelocks as locks
from alloy_tui.core import folders
from alloy_tui.core.errors import Explanation
from alloy_tui.core.outbox.folder_access import OutboxFolders
from alloy_tui.core.outbox.model import EX_CANTCREAT, OutboxError

if TYPE_CHECKING:
    from alloy_tui.core.outbox.queued import QueuedMessage
    from alloy_tui.core.outbox.record import QueueRecord
    from alloy_tui.core.outbox.summary import QueueSummary

MAX_META_BYTES = 16 << 20  # far above any metadata file (50 attempts at most)
MAX_RAW_BYTES = 1 << 30  # far above the message size limit


class OutboxReading(OutboxFolders):
    """The reading side of `Outbox`: everything here works on ``self.path``."""

    clock: Callable[[], float]

    # ------------------------------------------------------------------ reading
    @staticmethod
    def _meta_in(meta_fd: int, qid: str) -> QueueRecord | None:
        data = folders.read_file(meta_fd, f"{qid}.json", MAX_META_BYTES)
        try:
            found = json.loads(data) if data is not None else None
        except ValueError:
            return None
        if isinstance(found, dict) and found.get("id") == qid:
            return cast("QueueRecord", found)  # the outbox's own record (record.py)
        return None

    def read_meta(self, qid: str) -> QueueRecord | None:
        with self._reading("meta") as fds:
            return None if fds is None else self._meta_in(fds[1], qid)

    def ids(self) -> list[str]:
        with self._reading("meta") as fds:
            return [] if fds is None else self._ids_in(fds[1])

    @staticmethod
    def _ids_in(meta_fd: int) -> list[str]:
        names = os.listdir(meta_fd)
        return sorted(n[:-5] for n in names if n.endswith(".json") and not n.startswith("."))

    def metas(self) -> list[QueueRecord]:
        """Every message's metadata, oldest first (queue time, then id)."""
        with self._reading("meta") as fds:
            if fds is None:
                return []
            found = [self._meta_in(fds[1], qid) for qid in self._ids_in(fds[1])]
        done = [m for m in found if m is not None]
        return sorted(done, key=lambda m: (float(m.get("queued_at", 0)), m["id"]))

    def _states(self, metas: list[QueueRecord]) -> list[str]:
        """Each one's state: 'sending' exactly while a runner holds its claim (a killed
        runner's message is pending)."""
        with self._reading("claims") as fds:
            out = []
            for meta in metas:
                state = str(meta.get("state", "pending"))
                if state != "failed":
                    name = Path(f"{meta['id']}.lock")
                    held = fds is not None and locks.is_locked(name, dir_fd=fds[1])
                    state = "sending" if held else ("pending" if state == "sending" else state)
                out.append(state)
            return out

    def _state(self, meta: QueueRecord) -> str:
        return self._states([meta])[0]

    def list(self, state: str | None = None) -> list[QueuedMessage]:
        """Every queued message, oldest first; `state` "pending", "sending", "failed" or None/"all"."""
        from alloy_tui.core.outbox.queued import QueuedMessage  # a listing's rows, not a door's

        metas = self.metas()
        out = []
        for meta, current in zip(metas, self._states(metas), strict=True):
            if state in (None, "all") or current == state:
                out.append(QueuedMessage.from_meta(meta, current))
        return out

    def get(self, qid: str) -> QueuedMessage:
        from alloy_tui.core.outbox.queued import QueuedMessage

        meta = self.read_meta(qid)
        if meta is None:
            raise self._unknown(qid)
        return QueuedMessage.from_meta(meta, self._state(meta))

    # ------------------------------------------------------------------ watching (screens)
    def stamp(self) -> tuple[tuple[int, int] | None, tuple[int, int, int] | None]:
        """What changes when the queue does, in two lstat calls: meta/ (inode, mtime: every
        submit, rewrite and removal renames in it) and hold.json (inode, mtime, size). A screen
        polls this, and reads messages or the hold only when its part moved."""
        out: list[Any] = []
        for name in ("meta", "hold.json"):
            try:
                st = os.lstat(self.path / name)
            except OSError:
                out.append(None)
                continue
            key = (st.st_ino, st.st_mtime_ns)
            out.append(key if name == "meta" else (*key, st.st_size))
        return out[0], out[1]

    def entries(self) -> dict[str, tuple[int, int, int]]:
        """id -> (inode, mtime, size) of each metadata file (a rewrite is a rename: a new inode;
        the mtime and size catch a second rewrite that got the first inode back)."""
        with self._reading("meta") as fds:
            if fds is None:
                return {}
            out = {}
            with os.scandir(fds[1]) as it:
                for e in it:
                    if not e.name.endswith(".json") or e.name.startswith("."):
                        continue
                    try:
                        st = e.stat(follow_symlinks=False)
                        out[e.name[:-5]] = (e.inode(), st.st_mtime_ns, st.st_size)
                    except OSError:
                        out[e.name[:-5]] = (e.inode(), 0, 0)
            return out

    def claimed(self, ids: Collection[str]) -> set[str]:
        """Which of these messages a runner is sending right now (its claim is held): a probe,
        never taking a claim a runner may be waiting for."""
        with self._reading("claims") as fds:
            if fds is None:
                return set()
            names = [n for n in os.listdir(fds[1]) if n.endswith(".lock")]
            return {
                n[:-5] for n in names if n[:-5] in ids and locks.is_locked(Path(n), dir_fd=fds[1])
            }

    def read_raw(self, qid: str) -> bytes:
        with self._reading("messages") as fds:
            data = None if fds is None else folders.read_file(fds[1], f"{qid}.eml", MAX_RAW_BYTES)
        if data is None:
            raise self._unknown(qid)
        return data

    def summary(self, now: float | None = None, window_hours: float = 24.0) -> QueueSummary:
        """The queue in one look (summary.py): counts, the oldest pending age, the hold, the
        last failure, recent failures, files this user can't read or doesn't own, or why the
        outbox can't be read. What `status`, `status --check` and the screens count."""
        from alloy_tui.core.outbox.summary import queue_summary_of

        return queue_summary_of(self, self.clock() if now is None else now, window_hours)

    def _unknown(self, qid: str) -> OutboxError:
        return OutboxError(
            Explanation(
                title="No such queued message",
                cause=f"The outbox {self.path} holds no message {qid} (sent or deleted already?).",
                fix="Run `alloy-tui queue list` to see the queued messages and their ids.",
                code="outbox.unknown",
            ),
            EX_CANTCREAT,
        )
