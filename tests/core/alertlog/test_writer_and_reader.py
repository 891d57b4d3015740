"""Alert log writer: whole lines under a lock with many processes, rotation, retention, redaction."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import (
    REDACTED,
    AlertLogError,
    AlertLogReader,
    AlertLogWriter,
    archive_path,
    open_writer,
    parse_line,
)
from alloy_tui.core.alertlog.fields import now_ts
from alloy_tui.core.config.settings import AlertLog, Settings


def _all_lines(path: Path) -> list[str]:
    files = [path] + sorted(path.parent.glob(path.name + ".*"))
    out: list[str] = []
    for f in files:
        out.extend(f.read_text(encoding="utf-8").splitlines())
    return out


def _hammer(path: str, proc: int, count: int, max_bytes: int, keep: int, go: object) -> None:
    go.wait()  # type: ignore[attr-defined]
    w = AlertLogWriter(Path(path), AlertLog(max_bytes=max_bytes, keep=keep, retention_days=0))
    for i in range(count):
        w.write(
            "info",
            "stress.write",
            f"process {proc} entry {i}",
            {"proc": proc, "i": i, "pad": "x" * (i % 97)},
        )


def _run_writers(path: Path, procs: int, count: int, max_bytes: int, keep: int) -> None:
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    workers = [
        ctx.Process(target=_hammer, args=(str(path), p, count, max_bytes, keep, go))
        for p in range(procs)
    ]
    for w in workers:
        w.start()
    go.set()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0


def _check_complete(lines: list[str], procs: int, count: int) -> None:
    seen = set()
    for line in lines:
        obj = json.loads(line)  # a torn or interleaved line fails here
        assert set(obj) == {"ts", "level", "event", "message", "details"}
        key = (obj["details"]["proc"], obj["details"]["i"])
        assert key not in seen
        seen.add(key)
    assert len(seen) == procs * count


def test_twenty_processes_thousand_entries_each(tmp_path: Path) -> None:
    path = tmp_path / "log" / "alert_log.jsonl"
    _run_writers(path, 20, 1000, max_bytes=1 << 30, keep=5)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20_000
    _check_complete(lines, 20, 1000)


def test_concurrent_writers_across_rotation_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    _run_writers(path, 8, 500, max_bytes=64 * 1024, keep=1000)
    assert archive_path(path, 2).exists()
    lines = _all_lines(path)
    _check_complete(lines, 8, 500)
    for f in [path, *path.parent.glob("alert_log.jsonl.*")]:
        assert f.stat().st_size <= 64 * 1024


def test_entry_shape_and_file_modes(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "alert_log.jsonl"
    w = AlertLogWriter(path)
    entry = w.write("warning", "test_message.sent", "Sent\nto  admin@example.com.", {"to": "a@b.c"})
    assert entry["message"] == "Sent to admin@example.com."
    line = path.read_text(encoding="utf-8")
    assert line.endswith("\n") and line.count("\n") == 1
    obj = json.loads(line)
    assert obj == entry
    when = datetime.fromisoformat(obj["ts"])
    assert when.utcoffset() == timedelta(0)
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_bad_level_and_event_are_refused(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "a.jsonl")
    with pytest.raises(ValueError, match="level"):
        w.write("debug", "x.y", "m")
    with pytest.raises(ValueError, match="event"):
        w.write("info", "has spaces in it", "m")
    assert not (tmp_path / "a.jsonl").exists()


def test_unwritable_places_give_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(AlertLogError, match="is a folder"):
        AlertLogWriter(tmp_path / "dir.jsonl").write("info", "a.b", "m")
    (tmp_path / "file").write_text("x")
    with pytest.raises(AlertLogError, match="cannot"):
        AlertLogWriter(tmp_path / "file" / "log.jsonl").write("info", "a.b", "m")


def test_redaction_by_key_and_by_look(tmp_path: Path) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXBhcnQ"
    opaque = "0.AXoA" + "Zm9vYmFy" * 20
    details = {
        "token": "t",
        "access_token": "abc",
        "refresh_token": "def",
        "client_secret": "s3cr3t",
        "Password": "hunter2",
        "authorization": "Bearer xyz",
        "headers": {"Authorization": "whatever", "X-Request-Id": "r-1"},
        "error": f"server said: Authorization: Bearer {opaque} was refused",
        "raw_jwt": jwt,
        "nested": [{"id_token": "zzz"}, f"see {jwt} here", opaque],
        "token_cache": "/home/admin/.cache/tokens.json",
        "request_id": "00000000-0000-0000-0000-000000000001",
        "account": "admin@contoso.com",
    }
    path = tmp_path / "log.jsonl"
    AlertLogWriter(path).write("error", "signin.failed", f"Token {jwt} expired", details)
    text = path.read_text(encoding="utf-8")
    for secret in ("hunter2", "s3cr3t", 'abc"', 'def"', "xyz", "zzz", jwt, opaque, "whatever"):
        assert secret not in text
    obj = json.loads(text)
    d = obj["details"]
    assert d["token"] == d["access_token"] == d["refresh_token"] == d["client_secret"] == REDACTED
    assert d["Password"] == d["authorization"] == d["headers"]["Authorization"] == REDACTED
    assert d["error"] == f"server said: Authorization: Bearer {REDACTED} was refused"
    assert d["raw_jwt"] == REDACTED
    assert d["nested"] == [{"id_token": REDACTED}, f"see {REDACTED} here", REDACTED]
    assert obj["message"] == f"Token {REDACTED} expired"
    # Not secrets: left alone.
    assert d["token_cache"] == "/home/admin/.cache/tokens.json"
    assert d["request_id"] == "00000000-0000-0000-0000-000000000001"
    assert d["headers"]["X-Request-Id"] == "r-1"
    assert d["account"] == "admin@contoso.com"


def test_rotation_by_size_keeps_n_archives(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    w = AlertLogWriter(path, AlertLog(max_bytes=4096, keep=3, retention_days=0))
    for i in range(400):
        w.write("info", "rot.test", f"entry {i:04d}", {"pad": "y" * 50})
    assert [p.name for p in sorted(tmp_path.iterdir())] == [
        "alert_log.jsonl",
        "alert_log.jsonl.1",
        "alert_log.jsonl.2",
        "alert_log.jsonl.3",
    ]
    for p in tmp_path.iterdir():
        assert p.stat().st_size <= 4096
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    # Newest in the live file, older ones in .1, .2, .3 in order, no gaps between them.
    numbers = []
    for p in [archive_path(path, 3), archive_path(path, 2), archive_path(path, 1), path]:
        numbers += [
            int(json.loads(line)["message"].split()[1]) for line in p.read_text().splitlines()
        ]
    assert numbers == list(range(numbers[0], 400))
    assert numbers[0] > 0  # the oldest archive was dropped


def test_retention_drops_old_entries_at_rotation(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    old = now_ts(datetime.now(UTC) - timedelta(days=40))
    older = now_ts(datetime.now(UTC) - timedelta(days=50))
    recent = now_ts(datetime.now(UTC) - timedelta(days=1))

    def line(ts: str, msg: str) -> str:
        return (
            json.dumps({"ts": ts, "level": "info", "event": "e.x", "message": msg, "details": {}})
            + "\n"
        )

    archive_path(path, 1).write_text(line(older, "all old 1") + line(old, "all old 2"))
    path.write_text(line(old, "old") + "garbage that has no date\n" + line(recent, "recent"))
    w = AlertLogWriter(path, AlertLog(max_bytes=1 << 20, keep=5, retention_days=30))
    assert w.rotate() == archive_path(path, 1)
    # The archive that held only old entries is gone; the rotated file lost its old entry.
    assert not archive_path(path, 2).exists()
    kept = archive_path(path, 1).read_text().splitlines()
    assert [parse_line(k).message or parse_line(k).raw for k in kept] == [
        "garbage that has no date",
        "recent",
    ]
    assert not path.exists() or path.stat().st_size == 0
    w.write("info", "after.rotate", "fresh")
    assert AlertLogReader(path).tail(5)[0].message == "fresh"


def test_rotate_empty_log_does_nothing(tmp_path: Path) -> None:
    w = AlertLogWriter(tmp_path / "a.jsonl")
    assert w.rotate() is None
    assert not archive_path(tmp_path / "a.jsonl", 1).exists()


def test_torn_last_line_is_not_glued_to_the_next_entry(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"ts":"2026-01-01T00:00:00Z","level":"info","ev')  # a crash mid-write
    AlertLogWriter(path).write("info", "next.one", "after the crash")
    entries = AlertLogReader(path).tail(10)
    assert [e.valid for e in entries] == [False, True]
    assert entries[1].message == "after the crash"


def test_open_writer_uses_settings(tmp_path: Path) -> None:
    settings = Settings().with_section(
        "alert_log", path="logs/alerts.jsonl", max_bytes=8192, keep=2, retention_days=7
    )
    w = open_writer(settings, tmp_path / "config.toml")
    assert w.path == tmp_path / "logs" / "alerts.jsonl"
    assert (w.max_bytes, w.keep, w.retention_days) == (8192, 2, 7)
    default = open_writer(Settings(), tmp_path / "config.toml")
    assert default.path == Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"


def test_retention_judges_each_shape_of_line_and_keeps_the_young_rest(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    old = now_ts(datetime.now(UTC) - timedelta(days=40))
    recent = now_ts(datetime.now(UTC) - timedelta(days=1))
    lines = [
        f'{{"ts":"{old}","level":"info","event":"e.x","message":"old, writer layout"}}',
        f'{{"message": "old, other key order", "level": "info", "ts": "{old}"}}',
        f'{{"ts":"{old}","level":"info","ev',  # torn, but its time is readable: old
        "no date at all",
        f'{{"ts": "{recent}", "level": "info", "message": "recent"}}',
        "garbage after the recent one",
        f'{{"ts":"{recent}","level":"error","event":"e.x","message":"recent 2"}}',
    ]
    path.write_text("\n".join(lines) + "\n")
    AlertLogWriter(path, AlertLog(keep=2, retention_days=30)).rotate()
    assert archive_path(path, 1).read_text().splitlines() == lines[3:]


def test_a_line_too_long_to_parse_keeps_its_time_level_and_event() -> None:
    line = json.dumps(
        {
            "ts": "2026-03-01T10:00:00.000Z",
            "level": "error",
            "event": "send.failed",
            "message": "é" * 10 + "x" * (1024 * 1024),
            "details": {},
        }
    )
    e = parse_line(line.encode())
    assert not e.valid and e.truncated
    assert (e.ts, e.level, e.event) == ("2026-03-01T10:00:00.000Z", "error", "send.failed")
    assert e.message.startswith("é" * 10 + "xxx")
    other = parse_line(b'{"level":"error","message":"' + b"y" * (2 * 1024 * 1024) + b'"}')
    assert other.truncated and other.level == ""  # not the writer's layout: just flagged
