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
from alloy_tui.core.alertlog.lines import complete_end, iter_line_starts_backwards, read_line_at


def read_entry_at(fd: int, start: int) -> Entry:
    """Parse the line at ``start``; a line longer than we parse comes back cut and flagged."""
    line, complete = read_line_at(fd, start)
    return parse_line(line, truncated=not complete and len(line) >= MAX_PARSE_BYTES)


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
