"""The queue in one look, for every reader that counts it: `status --check` (and the health
jobs' alerts), `status`, the queue screen's counts and the wizard's outbox note.

One pass over the checked folders: meta/ listed once and each metadata file opened once (its
fstat says whose it is), messages/ listed once and each file lstat'ed once (whose, readable),
hold.json read only when mail is pending. No claims are probed: "pending" counts what a runner
is sending right now too (`Outbox.list` tells the two apart).
"""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from alloy_tui.core import folders
from alloy_tui.core.fs import read_at_most, why

if TYPE_CHECKING:
    from alloy_tui.core.outbox.folder_access import OutboxFolders
    from alloy_tui.core.outbox.record import QueueRecord

MAX_META_BYTES = 16 << 20  # as reading.py


class QueueSummary(NamedTuple):
    pending: int = 0  # pending or being sent
    failed: int = 0
    oldest_pending_s: int | None = None  # the oldest pending message's age
    hold: dict[str, Any] | None = None  # hold.json while mail is pending (None: not held)
    held_s: int | None = None  # since when it holds, in seconds
    last_failure: dict[str, Any] | None = None  # a pending message's last attempt, if it failed
    failed_recent: int = 0  # messages that failed within the window
    unreadable: tuple[str, ...] = ()  # outbox files this user cannot read
    foreign: str = ""  # files another user owns: a sentence with the fix ("" when none)
    problem: str = ""  # why the outbox can't be used or read ("" when it can)
    readable: bool = True  # False: nothing is known about the messages


def _ts(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def last_attempt_at(meta: QueueRecord) -> float | None:
    """When the message was last tried (its attempts log; a failed one: when it failed)."""
    if isinstance(meta.get("failed_at"), int | float):
        return float(meta["failed_at"])
    log = meta.get("attempts_log") or []
    return _ts(log[-1].get("at")) if log and isinstance(log[-1], dict) else None


def _readable(st: os.stat_result) -> bool:
    """Whether this process may read the file (its mode, as the kernel would judge it)."""
    uid = os.geteuid()
    if uid == 0:
        return True
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IRUSR)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & stat.S_IRGRP)
    return bool(st.st_mode & stat.S_IROTH)


class _Pass:
    """What one look at the folders finds."""

    def __init__(self, box: OutboxFolders) -> None:
        self.box = box
        self.metas: list[QueueRecord] = []
        self.unreadable: list[str] = []
        self.owners: dict[int, int] = {}  # files of other users: uid -> how many
        self.hold: dict[str, Any] | None = None

    def _owned(self, st: os.stat_result) -> None:
        if st.st_uid != os.geteuid():
            self.owners[st.st_uid] = self.owners.get(st.st_uid, 0) + 1

    def read_metas(self, meta_fd: int) -> None:
        for name in os.listdir(meta_fd):
            if name.startswith("."):
                continue
            where = str(self.box.path / "meta" / name)
            try:
                fd = os.open(
                    name, os.O_RDONLY | os.O_NONBLOCK | folders.FILE_NOFOLLOW, dir_fd=meta_fd
                )
            except OSError:
                self._lstat(meta_fd, name, where)
                continue
            try:
                st = os.fstat(fd)
                self._owned(st)
                data = read_at_most(fd, MAX_META_BYTES) if stat.S_ISREG(st.st_mode) else b""
            except OSError:
                self.unreadable.append(where)
                continue
            finally:
                os.close(fd)
            self._take(name, data)

    def _take(self, name: str, data: bytes) -> None:
        if not name.endswith(".json"):
            return
        try:
            found = json.loads(data)
        except ValueError:
            return
        if isinstance(found, dict) and found.get("id") == name[:-5]:
            self.metas.append(cast("QueueRecord", found))  # the outbox's own record (record.py)

    def _lstat(self, dir_fd: int, name: str, where: str) -> None:
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            return  # gone meanwhile (sent, deleted)
        self._owned(st)
        if not _readable(st):
            self.unreadable.append(where)

    def look_at_messages(self, messages_fd: int) -> None:
        for name in os.listdir(messages_fd):
            self._lstat(messages_fd, name, str(self.box.path / "messages" / name))


def queue_summary_of(box: OutboxFolders, now: float, window_hours: float = 24.0) -> QueueSummary:
    """`Outbox.summary`: see the module's docstring."""
    from alloy_tui.core.outbox.folder_access import FOLDERS, foreign_sentence
    from alloy_tui.core.outbox.hold import hold_in

    seen = _Pass(box)
    try:
        with box.folders(*FOLDERS) as (root, _tmp, messages_fd, meta_fd, _claims):
            seen.read_metas(meta_fd)
            seen.look_at_messages(messages_fd)
            if any(m.get("state") != "failed" for m in seen.metas):
                seen.hold = hold_in(root)
    except FileNotFoundError:
        pass  # not made yet: nothing queued
    except folders.FolderCheckError as e:  # a symlink, another user's folder: never followed
        return QueueSummary(problem=str(e), readable=False)
    except OSError as e:
        return QueueSummary(
            problem=f"the outbox {box.path} cannot be read: {why(e)}", readable=False
        )
    metas = seen.metas
    pending = [m for m in metas if m.get("state") != "failed"]
    queued = [float(m.get("queued_at") or now) for m in pending]
    last: tuple[float, dict[str, Any]] | None = None
    for m in pending:
        at = last_attempt_at(m)
        error = m.get("last_error")
        if error and at is not None and (last is None or at > last[0]):
            last = (at, {**error, "at": at, "queue_id": m["id"]})
    since = now - window_hours * 3600.0
    recent = sum(
        1 for m in metas if m.get("state") == "failed" and (last_attempt_at(m) or now) >= since
    )
    hold = seen.hold
    return QueueSummary(
        pending=len(pending),
        failed=len(metas) - len(pending),
        oldest_pending_s=int(max(0.0, now - min(queued))) if queued else None,
        hold=hold,
        held_s=int(max(0.0, now - float(hold["since"]))) if hold else None,
        last_failure=last[1] if last else None,
        failed_recent=recent,
        unreadable=tuple(seen.unreadable),
        foreign=foreign_sentence(box.path, seen.owners),
    )
