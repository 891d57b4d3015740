"""Putting submitted messages on disk durably, many at once (group commit).

For a batch, in this order:

1. every message and its metadata go to new temp files in tmp/ (0600 from birth: created so,
   and chmodded only when the umask took some of that away);
2. every temp file is fsynced: all are written first, their writeback started at once
   (`posix_fadvise` DONTNEED), then each fsynced, so one journal commit covers most of them;
3. the messages are renamed into messages/, and that folder is fsynced once;
4. the metadata files are renamed into meta/ (its presence makes an id queued), and that folder
   is fsynced once.

Only then is any id returned. So no metadata ever names a message a crash could lose, nothing
half-written is ever in messages/ or meta/, and a batch of 50 costs two folder fsyncs instead of
a hundred. A failed folder fsync fails what it was to make durable: at step 3 every message of
the batch (its files removed); at step 4 each message is taken back (its metadata removed under
its claim, then the message) unless a runner already holds it. One message alone takes the same steps (the sendmail door). A failure is the failing
message's alone: its files are removed and it gets (action, OSError); the others go on.

Every name is relative to a checked folder descriptor (`Dirs`, from the spool's `folders`):
created O_EXCL and O_NOFOLLOW, renamed from one descriptor to the other, never through a path.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import NamedTuple

from alloy_tui.core import filelocks as locks
from alloy_tui.core.folders import fsync_fd, unlink_quietly
from alloy_tui.core.fs import current_umask

WRITE_MESSAGE = "write the message"
WRITE_DETAILS = "write the message's details"
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class Dirs(NamedTuple):
    """The outbox's folders as checked descriptors (Outbox.folders), and the outbox's path."""

    root: Path
    tmp: int
    messages: int
    meta: int
    claims: int


class Placing:
    """One message on its way: its bytes, then its temp files, then where it failed (if it did).
    (A plain class: sendmail writes one batch of one for every cron job; no dataclasses.)"""

    __slots__ = ("qid", "raw", "meta", "spooled", "temps", "renamed", "queued", "failed", "dirs")

    def __init__(self, qid: str, raw: bytes, meta: bytes, spooled: Path | None = None) -> None:
        self.qid = qid
        self.raw = raw
        self.meta = meta
        self.spooled = spooled  # the message already in a file in tmp/ (then raw is unused)
        self.temps: list[tuple[int, str]] = []  # (fd or -1, name in tmp/): message, meta
        self.renamed: str | None = None  # <id>.eml once it is in messages/
        self.queued = False  # its meta/<id>.json is there
        self.failed: tuple[str, OSError] | None = None
        self.dirs: tuple[int, int] = (-1, -1)  # tmp/ and messages/, while being placed

    def fail(self, action: str, e: OSError) -> None:
        self.failed = (action, e)
        self.close()
        tmp_fd, messages_fd = self.dirs
        for _, tmp in self.temps:
            unlink_quietly(tmp_fd, tmp)
        if self.renamed is not None:
            unlink_quietly(messages_fd, self.renamed)
            self.renamed = None

    def close(self) -> None:
        for i, (fd, tmp) in enumerate(self.temps):
            if fd >= 0:
                os.close(fd)
                self.temps[i] = (-1, tmp)


def _new_temp(folder: int, name: str, data: bytes, chmod: bool) -> tuple[int, str]:
    """A new file in `folder` holding `data` (0600; not yet fsynced): (its open fd, its name)."""
    tmp = f".{name}.{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, _FLAGS, 0o600, dir_fd=folder)
    try:
        if chmod:  # the umask took some of 0600 away: make it exactly 0600
            os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        unlink_quietly(folder, tmp)
        raise
    return fd, tmp


def _open_spooled(dirs: Dirs, path: Path) -> tuple[int, str]:
    """The already written message file: in tmp/, a regular file of this user, opened without
    following a link (relative to the checked tmp/ descriptor), made exactly 0600."""
    if path.parent != dirs.root / "tmp":
        raise OSError(f"{path} is not in {dirs.root / 'tmp'}")
    flags = os.O_RDWR | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path.name, flags, dir_fd=dirs.tmp)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise OSError(f"{path} is not a regular file of this user")
        if st.st_mode & 0o777 != 0o600:
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd, path.name


def _write(dirs: Dirs, batch: list[Placing]) -> None:
    folder = dirs.tmp
    umask = current_umask()
    chmod = hasattr(os, "fchmod") and (umask is None or umask & 0o600 != 0)
    for p in batch:
        p.dirs = (dirs.tmp, dirs.messages)  # where a failure removes its files from
        if p.spooled is not None:
            try:
                p.temps.append(_open_spooled(dirs, p.spooled))
            except OSError as e:
                if p.spooled.parent == dirs.root / "tmp":  # ours (a link: the link, not its target)
                    unlink_quietly(folder, p.spooled.name)
                p.fail(WRITE_MESSAGE, e)
                continue
            try:
                p.temps.append(_new_temp(folder, f"{p.qid}.json", p.meta, chmod))
            except OSError as e:
                p.fail(WRITE_DETAILS, e)
            continue
        for name, data, action in (
            (f"{p.qid}.eml", p.raw, WRITE_MESSAGE),
            (f"{p.qid}.json", p.meta, WRITE_DETAILS),
        ):
            try:
                p.temps.append(_new_temp(folder, name, data, chmod))
            except OSError as e:
                p.fail(action, e)
                break


def _fsync(batch: list[Placing]) -> None:
    if hasattr(os, "posix_fadvise"):  # start every file's writeback now: one commit for many
        for p in batch:
            for fd, _ in p.temps:
                with contextlib.suppress(OSError):  # only a hint; the fsync below decides
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    for p in batch:
        for (fd, _), action in zip(p.temps, (WRITE_MESSAGE, WRITE_DETAILS), strict=True):
            try:
                os.fsync(fd)
            except OSError as e:
                p.fail(action, e)
                break
        p.close()


def place(dirs: Dirs, batch: list[Placing]) -> None:
    """Steps 1-4 above for every message in `batch`; each one's `failed` says how it ended."""
    try:
        _write(dirs, batch)
        _fsync([p for p in batch if p.failed is None])
        _rename(dirs.tmp, dirs.messages, batch, 0, WRITE_MESSAGE)
        if any(p.failed is None for p in batch):
            try:
                fsync_fd(dirs.messages, strict=True)
            except OSError as e:  # not durable: nothing of this batch is queued
                for p in batch:
                    if p.failed is None:
                        p.fail(WRITE_MESSAGE, e)
        _rename(dirs.tmp, dirs.meta, batch, 1, WRITE_DETAILS)
        if any(p.failed is None for p in batch):
            try:
                fsync_fd(dirs.meta, strict=True)
            except OSError as e:
                for p in batch:
                    if p.queued:
                        _unqueue(dirs, p, e)
    except BaseException:  # interrupted: what is not queued leaves nothing behind
        for p in batch:
            if p.failed is None and not p.queued:
                p.fail(WRITE_DETAILS, OSError("interrupted"))
        raise


def _rename(tmp: int, folder: int, batch: list[Placing], which: int, action: str) -> None:
    """Step 3 (which=0: the messages) or 4 (which=1: the metadata, which queues them)."""
    for p in batch:
        if p.failed is not None:
            continue
        target = f"{p.qid}.eml" if which == 0 else f"{p.qid}.json"
        try:
            os.replace(p.temps[which][1], target, src_dir_fd=tmp, dst_dir_fd=folder)
        except OSError as e:
            p.fail(action, e)
            continue
        if which == 0:
            p.renamed = target
        else:
            p.queued = True


def _unqueue(dirs: Dirs, p: Placing, e: OSError) -> None:
    """The metadata folder's fsync failed: take the message back (metadata first), under its
    claim. A runner that already holds the claim is sending it: then it stays queued."""
    claim = locks.try_lock(Path(f"{p.qid}.lock"), dir_fd=dirs.claims)
    if claim is None:
        return
    with claim:
        try:
            os.unlink(f"{p.qid}.json", dir_fd=dirs.meta)
        except FileNotFoundError:
            return  # already sent and removed by a runner: it was queued after all
        except OSError:
            return  # it can't be taken back: it stays queued
        p.queued = False
        p.fail(WRITE_DETAILS, e)
