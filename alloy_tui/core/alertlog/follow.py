"""Following the alert log like ``tail -F``, without losing what could have been read.

The follower holds the file it reads open and follows it by inode, not by name. When the path
names another file (the writer rotated: ``alert_log.jsonl`` -> ``.1`` -> ``.2`` ...), it reads
the file it holds to its end, then moves to that file's successor: the one now one place newer
in the rotation (``.n-1`` when its own file is ``.n``), so a burst of rotations between two polls
skips no file that still exists. A file truncated in place is noticed by its size or, when it
regrew past the read position within one poll, by the bytes before that position and at its start
no longer being the ones read; it is then read again from the start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from alloy_tui.core.alertlog.lines import complete_end, read_line_at

MAX_ARCHIVES = 1000  # alert_log.keep is at most this
_PRINT = 256  # bytes kept to recognise the file: its start, and just before the read position
_END_PRINT = 4096  # bytes compared to recognise a copy of a file by its end (several entries)


@dataclass
class FollowUpdate:
    """What changed since the last poll. ``reset``: now reading another file (rotation) or the
    same file again from its start (truncation); offsets in ``lines`` are in that file."""

    reset: bool = False
    lines: list[tuple[int, bytes]] = field(default_factory=list)  # (start offset, line)
    end: int = 0  # just after the last line read: where the next poll goes on from


def _ino(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _last_bytes(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, min(_END_PRINT, size), max(0, size - _END_PRINT))


class Follower:
    """Polls one alert log: new complete lines, across rotation (inode) and truncation."""

    def __init__(self, path: Path, start: int | None = None, ino: int | None = None) -> None:
        self.path = Path(path)
        self.fd = -1
        self.ino = -1
        self.pos = 0
        self._head = b""
        self._tail = b""
        self._pending_reset = False
        self._open(start, ino)

    # -- opening ------------------------------------------------------------------------------------
    def _names(self) -> list[Path]:
        """The live path and its archives that exist, oldest last (a gap mid-rotation is kept)."""
        names = [self.path]
        missing = 0
        for n in range(1, MAX_ARCHIVES + 1):
            p = self.path.with_name(f"{self.path.name}.{n}")
            missing = missing + 1 if not p.exists() else 0
            if missing > 2:
                break
            names.append(p)
        return names

    def _take(self, fd: int, pos: int, reset: bool) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd, self.ino, self.pos = fd, os.fstat(fd).st_ino, pos
        self._head = os.pread(fd, _PRINT, 0)
        self._remember_tail()
        self._pending_reset = self._pending_reset or reset

    def _open_path(self, path: Path) -> int | None:
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None

    def _open(self, start: int | None = None, ino: int | None = None) -> bool:
        if start is not None and ino is not None:  # go on in the file the caller read, wherever
            for name in self._names():  # it is now (an archive: reset, offsets are its own)
                if _ino(name) == ino:
                    fd = self._open_path(name)
                    if fd is not None and os.fstat(fd).st_ino == ino:
                        if start <= os.fstat(fd).st_size:
                            self._take(fd, start, name != self.path)
                            return True
                    if fd is not None:
                        os.close(fd)
                    break
        fd = self._open_path(self.path)
        if fd is None:
            return False
        size = os.fstat(fd).st_size
        if start is None:
            self._take(fd, complete_end(fd, size), False)
        elif ino is None and start <= size:
            self._take(fd, start, False)
        else:
            self._take(fd, 0, True)  # a different file than the one the caller read: take it all
        return True

    def _successor(self) -> int | None:
        """An open fd on the file one place newer than ours in the rotation, or None for now."""
        for _ in range(5):
            names = self._names()
            inos = [_ino(n) for n in names]
            if self.ino in inos:
                i = inos.index(self.ino)
                if i == 0:
                    return None  # ours is the live file again
                fd = self._open_path(names[i - 1])
                if fd is None:
                    continue  # mid-rotation gap: look again
                if _ino(names[i]) == self.ino:  # ours did not move meanwhile: fd is the next one
                    return fd
                os.close(fd)
                continue
            if os.fstat(self.fd).st_nlink > 0:
                continue  # renamed between two looks: look again
            # Ours is gone: dropped past `keep` (the oldest file still there is the next one),
            # or rewritten by retention (the next one is newer than its copy).
            for name in reversed(names[: self._copy_of_ours(names)]):
                fd = self._open_path(name)
                if fd is not None:
                    return fd
            return None
        return None

    def _copy_of_ours(self, names: list[Path]) -> int:
        """Where a file ending with the same bytes as ours is (retention keeps the young end of an
        archive as it is, so its copy is a suffix of it), else len(names)."""
        ours = _last_bytes(self.fd)
        for k, name in enumerate(names):
            fd = self._open_path(name)
            if fd is None:
                continue
            try:
                theirs = _last_bytes(fd)
                n = min(len(ours), len(theirs))
                if n and ours[-n:] == theirs[-n:]:
                    return k
            finally:
                os.close(fd)
        return len(names)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    # -- polling ------------------------------------------------------------------------------------
    def poll(self, max_bytes: int = 4 * 1024 * 1024) -> FollowUpdate:
        update = self._poll(max_bytes)
        if self._pending_reset:
            update.reset, self._pending_reset = True, False
        update.end = self.pos
        return update

    def _poll(self, max_bytes: int) -> FollowUpdate:
        update = FollowUpdate()
        if self.fd < 0:
            if self._open(0):
                update.reset = True
                self._read_new(update, max_bytes)
            return update
        if self._rewritten():
            self.pos = 0
            self._head = os.pread(self.fd, _PRINT, 0)
            self._remember_tail()
            update.reset = True
        self._read_new(update, max_bytes)
        if update.lines:
            return update
        live = _ino(self.path)
        if live is None or live == self.ino:
            return update  # nothing new; or rotated and not yet recreated: keep waiting
        # Ours was rotated away: no writer appends to it any more. Read it to its end first.
        self._read_new(update, max_bytes)
        if update.lines:
            return update
        fd = self._successor()
        if fd is not None:
            self._take(fd, 0, True)
            self._read_new(update, max_bytes)
        return update

    def _rewritten(self) -> bool:
        """Truncated in place since the last poll (shorter now, or regrown with other bytes)."""
        size = os.fstat(self.fd).st_size
        if size < self.pos:
            return True
        if self._head and os.pread(self.fd, len(self._head), 0) != self._head:
            return True
        return (
            bool(self._tail)
            and os.pread(self.fd, len(self._tail), self.pos - len(self._tail)) != self._tail
        )

    def _remember_tail(self) -> None:
        n = min(_PRINT, self.pos)
        self._tail = os.pread(self.fd, n, self.pos - n) if n else b""
        if len(self._head) < _PRINT:
            self._head = os.pread(self.fd, _PRINT, 0)[: max(len(self._head), self.pos)]

    def _read_new(self, update: FollowUpdate, max_bytes: int) -> None:
        size = os.fstat(self.fd).st_size
        if size <= self.pos:
            return
        data = os.pread(self.fd, min(size - self.pos, max_bytes), self.pos)
        last = data.rfind(b"\n")
        if last < 0:
            if len(data) >= max_bytes:  # one enormous line: deliver it cut, skip to its end
                line, _ = read_line_at(self.fd, self.pos)
                end = self._find_newline(self.pos + len(data))
                if end is None:
                    return
                update.lines.append((self.pos, line))
                self.pos = end
                self._remember_tail()
            return
        base = self.pos
        i = 0
        while i <= last:
            j = data.index(b"\n", i)
            update.lines.append((base + i, data[i:j]))
            i = j + 1
        self.pos = base + last + 1
        self._remember_tail()

    def _find_newline(self, pos: int) -> int | None:
        while True:
            data = os.pread(self.fd, 1024 * 1024, pos)
            if not data:
                return None
            j = data.find(b"\n")
            if j >= 0:
                return pos + j + 1
            pos += len(data)
