"""Alert log reader: from the end, paging back, following across rotation and truncation."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import AlertLogReader, AlertLogWriter, Entry, Follower, parse_line
from alloy_tui.core.config import AlertLog
from tests.helpers.waiting import wait_until


def _line(i: int, level: str = "info") -> str:
    return json.dumps(
        {
            "ts": "2026-03-01T10:00:00.000Z",
            "level": level,
            "event": "t.e",
            "message": f"m{i}",
            "details": {"i": i},
        },
        separators=(",", ":"),
    )


def _fill(path: Path, n: int) -> None:
    path.write_text("".join(_line(i) + "\n" for i in range(n)), encoding="utf-8")


def _rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def test_tail_returns_newest_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _fill(path, 1000)
    entries = AlertLogReader(path).tail(5)
    assert [e.message for e in entries] == ["m995", "m996", "m997", "m998", "m999"]
    assert all(e.valid and e.level == "info" and e.details["i"] >= 995 for e in entries)
    assert [e.message for e in AlertLogReader(path).tail(5000)][:2] == ["m0", "m1"]
    assert AlertLogReader(path).tail(0) == []
    assert AlertLogReader(tmp_path / "missing.jsonl").tail(10) == []


def test_tail_reads_only_the_end_of_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as f:
        f.write(b"\xff\xfe garbage without any newline \x00" * 1000)
        f.truncate(8 * 1024**3)  # an 8 GiB hole: reading it all would take far too long
        f.seek(0, os.SEEK_END)
        f.write(b"\n" + "".join(_line(i) + "\n" for i in range(100)).encode())
    before = _rchar()
    entries = AlertLogReader(path).tail(50)
    read = _rchar() - before
    assert [e.message for e in entries] == [f"m{i}" for i in range(50, 100)]
    assert read < 512 * 1024, f"tail read {read} bytes"


def test_iter_backwards_pages_through_everything(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _fill(path, 5000)  # several 64 KiB blocks
    got = [e.message for e in AlertLogReader(path).iter_backwards()]
    assert got == [f"m{i}" for i in range(4999, -1, -1)]


def test_malformed_and_long_lines_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    long_valid = _line(7).replace('"m7"', '"' + "L" * 300_000 + '"')
    with open(path, "wb") as f:
        f.write((_line(1) + "\n").encode())
        f.write(b"plain text, not json\n")
        f.write(b'{"unterminated": \n')
        f.write(b"[1, 2, 3]\n")
        f.write(b"\xff\xfe\xfd binary\n")
        f.write(b"\n")
        f.write((long_valid + "\n").encode())
        f.write(b"x" * (3 * 1024 * 1024) + b"\n")  # longer than we parse
        f.write((_line(2) + "\n").encode())
    entries = AlertLogReader(path).tail(100)
    assert [e.valid for e in entries] == [True, False, False, False, False, True, False, True]
    assert entries[1].raw == "plain text, not json"
    assert entries[3].raw == "[1, 2, 3]"
    assert "\ufffd" in entries[4].raw
    assert entries[5].message == "L" * 300_000
    assert entries[6].truncated and len(entries[6].raw) <= 1024 * 1024
    assert entries[7].message == "m2"


def test_parse_line_fills_missing_fields() -> None:
    e = parse_line(b'{"message": "only a message", "details": [1]}')
    assert (
        e.valid and e.message == "only a message" and e.level == "" and e.details == {"value": [1]}
    )
    assert parse_line("null").valid is False


def test_unterminated_last_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(_line(1) + "\n" + _line(2))  # whole JSON, no newline: shown
    assert [e.message for e in AlertLogReader(path).tail(5)] == ["m1", "m2"]
    path.write_text(_line(1) + "\n" + _line(2)[:20])  # half written: not yet shown
    assert [e.message for e in AlertLogReader(path).tail(5)] == ["m1"]


@pytest.fixture
def follow_log(tmp_path: Path) -> Iterator[tuple[Path, list[Entry], threading.Event]]:
    path = tmp_path / "alert_log.jsonl"
    _fill(path, 3)
    reader = AlertLogReader(path)
    assert len(reader.tail(3)) == 3
    stop = threading.Event()
    # follow() is a generator: collect as it goes so the test can look while it runs.
    got_live: list[Entry] = []

    def run() -> None:
        for e in reader.follow(stop, poll=0.01):
            got_live.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    yield path, got_live, stop
    stop.set()
    t.join(5)
    assert not t.is_alive()


def _wait_for(cond: Callable[[], object], timeout: float = 5.0) -> None:
    wait_until(cond, timeout, 0.01)


def test_follow_sees_new_entries(follow_log: tuple[Path, list[Entry], threading.Event]) -> None:
    path, got, _ = follow_log
    w = AlertLogWriter(path)
    w.write("info", "f.one", "first")
    w.write("error", "f.two", "second")
    _wait_for(lambda: len(got) == 2)
    assert [e.message for e in got] == ["first", "second"]


def test_follow_across_rotation(follow_log: tuple[Path, list[Entry], threading.Event]) -> None:
    path, got, _ = follow_log
    w = AlertLogWriter(path, AlertLog(max_bytes=4096, keep=3))
    for i in range(60):  # several rotations while followed (tail -F pace: not two in one poll)
        w.write("info", "rot.f", f"r{i}", {"pad": "z" * 40})
        time.sleep(0.002)
    _wait_for(lambda: len(got) >= 60)
    time.sleep(0.1)
    assert [e.message for e in got] == [f"r{i}" for i in range(60)]


def test_follow_across_truncation(follow_log: tuple[Path, list[Entry], threading.Event]) -> None:
    path, got, _ = follow_log
    w = AlertLogWriter(path)
    w.write("info", "t.a", "before")
    _wait_for(lambda: len(got) == 1)
    with open(path, "r+b") as f:
        f.truncate(0)
    time.sleep(0.05)
    w.write("info", "t.b", "after truncation")
    _wait_for(lambda: len(got) == 2)
    assert got[1].message == "after truncation"


def test_follow_when_file_is_removed_and_recreated(
    follow_log: tuple[Path, list[Entry], threading.Event],
) -> None:
    path, got, _ = follow_log
    path.unlink()
    time.sleep(0.05)
    AlertLogWriter(path).write("warning", "re.created", "new file")
    _wait_for(lambda: len(got) == 1)
    assert got[0].level == "warning"


def test_follower_reports_reset_and_offsets(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _fill(path, 2)
    f = Follower(path)
    assert f.poll().lines == []
    with open(path, "ab") as out:
        out.write(b"half")
    assert f.poll().lines == []  # not a whole line yet
    size = path.stat().st_size
    with open(path, "ab") as out:
        out.write(b" line\n")
    update = f.poll()
    assert update.lines == [(size - 4, b"half line")] and not update.reset
    path.write_text(_line(9) + "\n")  # truncated in place (same inode), shorter than before
    update = f.poll()
    assert update.reset and update.lines == [(0, _line(9).encode())]
    f.close()
