"""Reading the alert log from its end: the newest N, paging backwards, following (`follow.py`).

Nothing here reads the whole file to show its end: lines are found by scanning backwards in blocks
with ``os.pread``. Lines longer than ``MAX_PARSE_BYTES`` are read only up to that size.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from alloy_tui.core.alertlog.entry import MAX_PARSE_BYTES, Entry, parse_line

BLOCK = 64 * 1024


def read_line_at(fd: int, start: int, limit: int = MAX_PARSE_BYTES) -> tuple[bytes, bool]:
    """The line starting at ``start`` (without its newline), read up to ``limit`` bytes.

    Returns (data, complete); complete is False when the line is longer than ``limit`` or has no
    newline yet.
    """
    chunk = 4096
    parts: list[bytes] = []
    got = 0
    pos = start
    while got < limit:
        data = os.pread(fd, min(chunk, limit - got), pos)
        if not data:
            return b"".join(parts), False
        nl = data.find(b"\n")
        if nl >= 0:
            parts.append(data[:nl])
            return b"".join(parts), True
        parts.append(data)
        got += len(data)
        pos += len(data)
        chunk = min(chunk * 4, 1024 * 1024)
    return b"".join(parts), False


def read_entry_at(fd: int, start: int) -> Entry:
    """Parse the line at ``start``; a line longer than we parse comes back cut and flagged."""
    line, complete = read_line_at(fd, start)
    return parse_line(line, truncated=not complete and len(line) >= MAX_PARSE_BYTES)


def iter_line_starts_backwards(fd: int, end: int, block: int = BLOCK) -> Iterator[list[int]]:
    """Start offsets of the lines that end before ``end``, newest first, one batch per block.

    ``end`` must be just after a newline (or 0). The line at offset 0 comes last.
    """
    # The scan looks for the newline *before* each line; the last line's own newline is at end-1.
    search_end = end - 1
    while search_end > 0:
        lo = max(0, search_end - block)
        data = os.pread(fd, search_end - lo, lo)
        batch: list[int] = []
        i = len(data)
        while True:
            j = data.rfind(b"\n", 0, i)
            if j < 0:
                break
            batch.append(lo + j + 1)
            i = j
        if batch:
            yield batch
        search_end = lo
    if end > 0:
        yield [0]


def complete_end(fd: int, size: int) -> int:
    """The offset just after the last newline at or before ``size`` (0 if none)."""
    pos = size
    while pos > 0:
        lo = max(0, pos - BLOCK)
        data = os.pread(fd, pos - lo, lo)
        j = data.rfind(b"\n")
        if j >= 0:
            return lo + j + 1
        pos = lo
    return 0


class AlertLogReader:
    """Reads one alert log file from its end."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._end: int | None = None  # where the last tail() stopped, for follow() to go on from
        self._ino: int | None = None

    def tail(self, n: int) -> list[Entry]:
        """The newest ``n`` entries, oldest first. Reads only the end of the file."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            self._end, self._ino = 0, None
            return []
        try:
            st = os.fstat(fd)
            end = complete_end(fd, st.st_size)
            entries: list[Entry] = []
            tail_frag = b""
            if end < st.st_size:  # an unterminated last line: show it only if it is whole JSON
                tail_frag, _ = read_line_at(fd, end)
                if parse_line(tail_frag).valid and n > 0:
                    entries.append(parse_line(tail_frag))
                    self._end = st.st_size
                else:
                    self._end = end
            else:
                self._end = end
            self._ino = st.st_ino
            for batch in iter_line_starts_backwards(fd, end):
                for start in batch:
                    if len(entries) >= n:
                        break
                    entry = read_entry_at(fd, start)
                    if entry.raw.strip():
                        entries.append(entry)
                if len(entries) >= n:
                    break
            entries.reverse()
            return entries
        finally:
            os.close(fd)

    @property
    def position(self) -> int | None:
        """Where the last tail() stopped (follow() goes on from there); None before any tail()."""
        return self._end

    def iter_backwards(self, end: int | None = None) -> Iterator[Entry]:
        """Every entry, newest first, reading the file backwards block by block.

        ``end``: start from this offset instead of the current end (e.g. ``position``).
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            size = os.fstat(fd).st_size
            end = complete_end(fd, size if end is None else min(end, size))
            for batch in iter_line_starts_backwards(fd, end):
                for start in batch:
                    entry = read_entry_at(fd, start)
                    if entry.raw.strip():
                        yield entry
        finally:
            os.close(fd)

    def follow(self, stop: threading.Event, poll: float = 0.1) -> Iterator[Entry]:
        """New entries as they arrive, until ``stop`` is set. Goes on from where tail() stopped
        (else from the current end); follows rotation and truncation like ``tail -F``."""
        from alloy_tui.core.alertlog.follow import Follower

        follower = Follower(self.path, self._end, self._ino)
        try:
            while not stop.is_set():
                update = follower.poll()
                for _, line in update.lines:
                    if line.strip():
                        yield parse_line(line)
                if not update.lines:
                    stop.wait(poll)
        finally:
            follower.close()
