"""The screen's view of the log file: line start offsets only, never a parsed object per line.

``Rows`` holds the start offsets of the rows shown, newest first, in two ``array('q')``:
``older`` is filled backwards from where the file ended when the scan began, ``newer`` grows as
entries arrive (both 8 bytes per line). Scans run in a thread; they only *produce* offset batches
(``scan_backwards``) and the UI thread adds them, so the arrays are touched by one thread.

Nothing here imports Textual: it is tested on its own.
"""

from __future__ import annotations

import os
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import accumulate
from operator import add
from pathlib import Path

from alloy_tui.core.alertlog.entry import Entry, parse_line
from alloy_tui.core.alertlog.fields import LEVELS, parse_ts
from alloy_tui.core.alertlog.lines import complete_end, read_line_at

FIRST_BLOCK = 64 * 1024  # the first rows show after reading only this much
BLOCK = 1024 * 1024
ROW_READ_LIMIT = 1024 * 1024  # a row longer than this is shown cut and flagged (cached, so rare)

# The writer puts "ts" then "level" first: a line in that shape is judged by this prefix alone.
# Any other line (another writer's key order) is parsed; "level" inside "details" never counts.
_LEVEL_PREFIX_RE = re.compile(
    rb'[ \t\r]*\{[ \t\r]*(?:"ts"[ \t\r]*:[ \t\r]*"[^"\\\n]*"[ \t\r]*,[ \t\r]*)?'
    rb'"level"[ \t\r]*:[ \t\r]*"([^"\\\n]*)"'
)

_TS_PREFIX_RE = re.compile(rb'[ \t\r]*\{[ \t\r]*"ts"[ \t\r]*:[ \t\r]*"([^"\\\n]*)"')
EVERY_LINE = re.compile(rb"(?m)^(?=.)")  # each non-empty line (a filter by time alone)

Verify = Callable[[bytes, int, int], bool]


def typecode_for(size: int) -> str:
    """4-byte offsets while the file is under 4 GiB (half the memory), else 8-byte."""
    return "I" if size < 2**32 - 1 - 2**30 else "q"


class Rows:
    """Start offsets of the rows, newest first: ``newer`` (reversed) then ``older``."""

    def __init__(self, typecode: str = "q") -> None:
        self.typecode = typecode
        self.older: array[int] = array(typecode)  # newest first
        self.newer: array[int] = array(typecode)  # oldest first (appended as entries arrive)

    def __len__(self) -> int:
        return len(self.older) + len(self.newer)

    def start(self, row: int) -> int:
        n = len(self.newer)
        if row < n:
            return self.newer[n - 1 - row]
        return self.older[row - n]

    def add_older(self, batch: array[int]) -> None:
        self.older.extend(batch)

    def add_newer(self, starts: list[int]) -> None:
        self.newer.extend(starts)

    def row_of(self, start: int) -> int | None:
        """The row showing the line at ``start`` (binary search), or None."""
        n = len(self.newer)
        i = bisect_left(self.newer, start)
        if i < n and self.newer[i] == start:
            return n - 1 - i
        j = bisect_left(self.older, -start, key=lambda v: -v)
        if j < len(self.older) and self.older[j] == start:
            return n + j
        return None

    def row_at_or_after(self, start: int, downwards: bool) -> int | None:
        """The nearest row at ``start`` going down (older) or up (newer), for search next/prev."""
        count = len(self)
        if count == 0:
            return None
        # rows are ordered by offset descending: find the first row with offset <= start
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.start(mid) > start:
                lo = mid + 1
            else:
                hi = mid
        if downwards:
            return lo if lo < count else None
        if lo < count and self.start(lo) == start:
            return lo
        return lo - 1 if lo - 1 >= 0 else None


def scan_backwards(
    fd: int,
    end: int,
    cancelled: Callable[[], bool],
    first_block: int = FIRST_BLOCK,
    typecode: str = "q",
) -> Iterator[tuple[array[int], int]]:
    """Line starts before ``end``, newest first, in batches; with the offset reached so far.

    Each block is split with C-level calls (split/accumulate/map) rather than a loop per line.
    """
    search_end = end - 1  # the last line's own newline is at end - 1
    block = first_block
    while search_end > 0:
        if cancelled():
            return
        lo = max(0, search_end - block)
        data = os.pread(fd, search_end - lo, lo)
        parts = data.split(b"\n")
        # newline k sits at lo + (sum of the lengths of parts[:k+1]) + k; the next line starts after it
        starts = array(
            typecode, map(add, accumulate(map(len, parts[:-1])), range(lo + 1, lo + len(parts)))
        )
        starts.reverse()
        if lo == 0:
            starts.append(0)
        yield starts, lo
        search_end = lo
        block = BLOCK
    if end == 1:  # the file is a single empty line
        yield array(typecode, [0]), 0


def scan_matches(
    fd: int,
    end: int,
    pattern: re.Pattern[bytes],
    cancelled: Callable[[], bool],
    fold_case: bool = False,
    typecode: str = "q",
    verify: Verify | None = None,
) -> Iterator[tuple[array[int], int]]:
    """Starts of the lines (before ``end``) where ``pattern`` matches, newest first, in batches.

    ``verify(data, start, end)``: a second, exact test of a line the pattern found (e.g. that a
    level is the entry's own, not one inside its details).
    """
    hi = end
    while hi > 0:
        if cancelled():
            return
        lo = max(0, hi - BLOCK)
        data = os.pread(fd, hi - lo, lo)
        cut = 0
        if lo > 0:
            # A partial first line belongs to the next block down. The block's last byte is the
            # newline ending its last line: a newline only there means one line longer than a
            # block (searching up to it would make no progress and loop forever).
            cut = data.find(b"\n", 0, len(data) - 1) + 1
            if cut == 0:  # one line longer than a block: take it whole
                lo2 = _line_start_before(fd, lo)
                data = os.pread(fd, hi - lo2, lo2)
                lo, cut = lo2, 0
        hay = data.lower() if fold_case else data
        found: list[int] = []
        pos, size = cut, len(hay)
        while True:
            m = pattern.search(hay, pos)
            if m is None:
                break
            line_start = hay.rfind(b"\n", 0, m.start()) + 1
            line_end = hay.find(b"\n", m.end())
            if line_end < 0:
                line_end = size
            if verify is None or verify(data, line_start, line_end):
                found.append(lo + line_start)
            pos = line_end + 1  # one hit per line is enough
        found.reverse()
        yield array(typecode, found), lo + cut
        hi = lo + cut


def _line_start_before(fd: int, pos: int) -> int:
    while pos > 0:
        lo = max(0, pos - BLOCK)
        j = os.pread(fd, pos - lo, lo).rfind(b"\n")
        if j >= 0:
            return lo + j + 1
        pos = lo
    return 0


def levels_from(minimum: str) -> tuple[str, ...]:
    return LEVELS[LEVELS.index(minimum) :]


def level_pattern(minimum: str) -> re.Pattern[bytes]:
    """Finds candidate lines fast; ``level_verifier`` then checks the level is the entry's own."""
    wanted = levels_from(minimum)
    return re.compile(
        rb'"level"[ \t\r]*:[ \t\r]*"(' + b"|".join(w.encode() for w in wanted) + rb')"'
    )


def line_level(data: bytes, start: int = 0, end: int | None = None) -> str | None:
    """The entry's own (top-level) level of the line ``data[start:end]``; None if it is not an entry."""
    stop = len(data) if end is None else end
    m = _LEVEL_PREFIX_RE.match(data, start, stop)
    if m is not None:
        return m.group(1).decode("utf-8", errors="replace")
    entry = parse_line(data[start:stop])  # another writer's key order: parse it
    return entry.level if entry.valid else None


def level_verifier(minimum: str) -> Verify:
    wanted = frozenset(levels_from(minimum))

    def verify(data: bytes, start: int, end: int) -> bool:
        return line_level(data, start, end) in wanted

    return verify


def line_time(data: bytes, start: int = 0, end: int | None = None) -> datetime | None:
    """When the entry on the line ``data[start:end]`` was written; None if it does not say."""
    stop = len(data) if end is None else end
    m = _TS_PREFIX_RE.match(data, start, stop)
    if m is not None:
        return parse_ts(m.group(1).decode("utf-8", errors="replace"))
    entry = parse_line(data[start:stop])  # another writer's key order: parse it
    return parse_ts(entry.ts) if entry.valid else None


def since_verifier(since: datetime) -> Verify:
    """True for an entry written at ``since`` or later (a line with no time: False)."""

    def verify(data: bytes, start: int, end: int) -> bool:
        when = line_time(data, start, end)
        return when is not None and when >= since

    return verify


def both(first: Verify | None, second: Verify | None) -> Verify | None:
    """A line passes when it passes both tests (None: no test)."""
    if first is None or second is None:
        return first or second

    def verify(data: bytes, start: int, end: int) -> bool:
        return first(data, start, end) and second(data, start, end)

    return verify


def search_pattern(text: str) -> re.Pattern[bytes]:
    """Case-insensitive text search over raw UTF-8 bytes.

    The haystack is lowered block by block with ``bytes.lower()`` (ASCII letters only, fast);
    a letter outside ASCII becomes an alternation of its lower and upper case forms, so
    "ÉCHEC" finds "échec". (Text that another writer stored as \\u escapes is not found.)
    """
    parts: list[bytes] = []
    for ch in text:
        if ch.isascii():
            parts.append(re.escape(ch.lower().encode()))
            continue
        forms = sorted({f for f in (ch, ch.lower(), ch.upper(), ch.title()) if not f.isascii()})
        alts = [re.escape(f.encode("utf-8")) for f in forms]
        parts.append(alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")")
    return re.compile(b"".join(parts))


def line_matches(
    line: bytes,
    level_min: str | None,
    search: re.Pattern[bytes] | None,
    since: datetime | None = None,
) -> bool:
    """The same tests as the whole-file scans, for one line that just arrived."""
    if level_min is not None and line_level(line) not in levels_from(level_min):
        return False
    if since is not None and not since_verifier(since)(line, 0, len(line)):
        return False
    return search is None or search.search(line.lower()) is not None


class LogFile:
    """An open log file: the fd the rows point into, and reading one row."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.fd = -1
        self.ino = -1
        self.end = 0  # just after the last complete line when opened
        self.typecode = "q"

    def open(self) -> bool:
        self.close()
        try:
            self.fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError, PermissionError, IsADirectoryError):
            self.fd, self.ino, self.end = -1, -1, 0
            return False
        st = os.fstat(self.fd)
        self.ino = st.st_ino
        self.end = complete_end(self.fd, st.st_size)
        self.typecode = typecode_for(st.st_size)
        return True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = -1

    def read_row(self, start: int, limit: int = ROW_READ_LIMIT) -> Entry:
        if self.fd < 0:
            return Entry(raw="", valid=False)
        line, complete = read_line_at(self.fd, start, limit)
        return parse_line(line, truncated=not complete and len(line) >= limit)
