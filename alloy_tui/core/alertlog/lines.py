"""Finding lines in the alert log by offset, with ``os.pread``: the one place that knows where a
line starts and ends. The reader, the follower and the screen's index all build on it (a leaf:
it imports nothing of the package but the parse limit)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from alloy_tui.core.alertlog.entry import MAX_PARSE_BYTES

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
