"""The screen's offset index: backwards scan, whole-file matching, row lookups (no Textual)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

from alloy_tui.ui.alertlog.index import (
    Rows,
    level_pattern,
    scan_backwards,
    scan_matches,
    search_pattern,
)


def _starts(data: bytes) -> list[int]:
    out, pos = [], 0
    for line in data.splitlines(keepends=True):
        out.append(pos)
        pos += len(line)
    return out


def _fd(tmp_path: Path, data: bytes) -> int:
    path = tmp_path / "log.jsonl"
    path.write_bytes(data)
    return os.open(path, os.O_RDONLY)


def test_scan_backwards_matches_a_naive_split(tmp_path: Path) -> None:
    rng = random.Random(7)
    for trial in range(30):
        lines = [b"x" * rng.choice([0, 1, 5, 80, 3000]) for _ in range(rng.randint(1, 400))]
        data = b"\n".join(lines) + b"\n"
        fd = _fd(tmp_path, data)
        try:
            code = "I" if trial % 2 else "q"
            got: list[int] = []
            for batch, _ in scan_backwards(
                fd, len(data), lambda: False, first_block=rng.choice([7, 64, 4096]), typecode=code
            ):
                assert batch.typecode == code
                got.extend(batch)
            assert got == _starts(data)[::-1]
        finally:
            os.close(fd)


def test_scan_matches_levels_and_text(tmp_path: Path) -> None:
    levels = ["info", "warning", "error"]
    lines = [
        f'{{"level":"{levels[i % 3]}","message":"Row {i} to OPS{i % 5}"}}'.encode()
        for i in range(5000)
    ]
    data = b"\n".join(lines) + b"\n"
    starts = _starts(data)
    fd = _fd(tmp_path, data)
    try:
        got = [
            s
            for batch, _ in scan_matches(fd, len(data), level_pattern("warning"), lambda: False)
            for s in batch
        ]
        assert got == [starts[i] for i in range(4999, -1, -1) if i % 3 != 0]
        got = [
            s
            for batch, _ in scan_matches(
                fd, len(data), search_pattern("ops3"), lambda: False, fold_case=True
            )
            for s in batch
        ]
        assert got == [starts[i] for i in range(4999, -1, -1) if i % 5 == 3]
        calls = iter(range(100))
        cancelled = list(scan_matches(fd, len(data), re.compile(b"Row"), lambda: next(calls) > 0))
        assert len(cancelled) <= 1
    finally:
        os.close(fd)


def test_rows_lookup() -> None:
    rows = Rows("I")
    rows.older.extend([900, 700, 500, 300, 100, 0])  # newest first
    rows.add_newer([1000, 1100])
    assert [rows.start(r) for r in range(len(rows))] == [1100, 1000, 900, 700, 500, 300, 100, 0]
    assert (
        rows.row_of(1100) == 0
        and rows.row_of(700) == 3
        and rows.row_of(0) == 7
        and rows.row_of(650) is None
    )
    assert rows.row_at_or_after(650, downwards=True) == 4  # 500: the next older
    assert rows.row_at_or_after(650, downwards=False) == 3  # 700: the next newer
    assert rows.row_at_or_after(-1, downwards=True) is None
    assert rows.row_at_or_after(5000, downwards=False) is None
