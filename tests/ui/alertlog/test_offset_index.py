"""The screen's offset index: backwards scan, whole-file matching, row lookups (no Textual)."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

from alloy_tui.core.alertlog.index import (
    BLOCK,
    Rows,
    level_pattern,
    level_verifier,
    line_level,
    line_matches,
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


def _scan_all(fd: int, end: int, **kw: object) -> list[int]:
    return [s for batch, _ in scan_matches(fd, end, cancelled=lambda: False, **kw) for s in batch]  # type: ignore[arg-type]


def test_level_filter_counts_only_the_entrys_own_level(tmp_path: Path) -> None:
    lines = [
        # the writer's layout: ts, level first; a "level" inside details must not count
        b'{"ts":"2026-01-01T00:00:00.000Z","level":"info","event":"a.b","message":"m",'
        b'"details":{"level":"error"}}',
        b'{"ts":"2026-01-01T00:00:00.000Z","level":"error","event":"a.b","message":"m",'
        b'"details":{"level":"info"}}',
        # another writer's key order and spacing: parsed, the top-level key decides
        b'{"message": "m", "details": {"level": "error"}, "level": "info"}',
        b'{"message": "m", "details": {"level": "info"}, "level": "error"}',
        b'  { "ts" : "x", "level" : "warning" }',
        # not an entry at all: never a match
        b'not json "level":"error"',
        b'["level", {"level":"error"}]',
    ]
    data = b"\n".join(lines) + b"\n"
    starts = _starts(data)
    fd = _fd(tmp_path, data)
    try:
        got = _scan_all(
            fd, len(data), pattern=level_pattern("error"), verify=level_verifier("error")
        )
        assert got == [starts[3], starts[1]]
        got = _scan_all(
            fd, len(data), pattern=level_pattern("warning"), verify=level_verifier("warning")
        )
        assert got == [starts[4], starts[3], starts[1]]
    finally:
        os.close(fd)
    assert [line_matches(line, "error", None) for line in lines] == [
        False, True, False, True, False, False, False,
    ]  # fmt: skip
    assert line_level(lines[0]) == "info" and line_level(lines[5]) is None


def test_search_is_case_insensitive_beyond_ascii(tmp_path: Path) -> None:
    lines = [
        "Échec de l'envoi".encode(),
        "échec again".encode(),
        "ÉCHEC IN CAPITALS".encode(),
        b"echec without an accent",
        "Straße".encode(),
        b"STRASSE",
    ]
    data = b"\n".join(lines) + b"\n"
    starts = _starts(data)
    fd = _fd(tmp_path, data)
    try:
        for needle in ("échec", "ÉCHEC", "Échec"):
            got = _scan_all(fd, len(data), pattern=search_pattern(needle), fold_case=True)
            assert got == [starts[2], starts[1], starts[0]], needle
        got = _scan_all(fd, len(data), pattern=search_pattern("straße"), fold_case=True)
        assert got == [starts[4]]  # no case folding of ß to SS: one letter to one letter only
    finally:
        os.close(fd)
    assert line_matches("ÉCHEC".encode(), None, search_pattern("échec"))
    assert not line_matches(b"echec", None, search_pattern("\u00e9chec"))


def test_a_line_longer_than_a_block_is_matched_and_the_scan_ends(tmp_path: Path) -> None:
    head = b'{"ts":"2026-01-01T00:00:00.000Z","level":"error","event":"a.b","message":"'
    lines = [b'{"level":"info","message":"before"}', head + b"x" * (3 * BLOCK + 5) + b'"}']
    lines.append(b'{"level":"info","message":"after"}')
    data = b"\n".join(lines) + b"\n"
    starts = _starts(data)
    fd = _fd(tmp_path, data)
    try:
        for kw, want in [
            (dict(pattern=level_pattern("error"), verify=level_verifier("error")), [starts[1]]),
            (dict(pattern=search_pattern("XXX"), fold_case=True), [starts[1]]),
            (dict(pattern=search_pattern("before")), [starts[0]]),
        ]:
            steps = iter(range(10_000))
            got = [
                s
                for batch, _ in scan_matches(
                    fd, len(data), cancelled=lambda it=steps: next(it) > 50, **kw
                )  # type: ignore[arg-type]
                for s in batch
            ]
            assert got == want  # a scan stuck on the long line would be cancelled without it
    finally:
        os.close(fd)
