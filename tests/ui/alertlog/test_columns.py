"""Columns of the alert-log screen at 80x24 (an admin over SSH) and 120x40: the common event names
read in full, a compact time (HH:MM:SS today, "Nov 30 14:02" before), full dates when wide."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from alloy_tui.core.alertlog import AlertLogWriter
from alloy_tui.core.alertlog.fields import parse_ts
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from alloy_tui.ui.alertlog.view import columns, fit_event
from tests.helpers.alertlog_screen import ready, rows
from tests.helpers.alertlog_screen import until as _until

COMMON = [
    ("info", "signin.started", "Device-code sign-in started"),
    ("warning", "signin.cancelled", "Sign-in cancelled by the admin"),
    ("info", "signin.succeeded", "Signed in as admin@contoso.com"),
    ("error", "signin.failed", "Sign-in failed: AADSTS50126"),
    ("info", "test_message.sent", "Test to admin@contoso.com sent"),
    ("error", "test_message.failed", "Test to admin@contoso.com failed: 550"),
    ("info", "notification.sent", "Disk alert to ops@contoso.com sent"),
    ("error", "notification.failed", "Disk alert to ops@contoso.com failed"),
]


@pytest.fixture(autouse=True)
def _zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A zone 5:45 off UTC: local time is really converted, not the UTC digits shown.
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "alert_log.jsonl"
    path.parent.mkdir()
    old = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    old_entry = {
        "ts": old,
        "level": "error",
        "event": "notification.failed",
        "message": "older failure",
        "details": {},
    }
    path.write_text(json.dumps(old_entry) + "\n", encoding="utf-8")
    writer = AlertLogWriter(path)
    for level, event, message in COMMON:
        writer.write(level, event, message, {"to": ["ops@contoso.com"]})
    return path


async def _rows(pilot: object, app: AlertLogApp) -> tuple[AlertLogScreen, list[str]]:
    screen = await ready(pilot, app)
    await _until(pilot, lambda: len(screen.base) == len(COMMON) + 1)
    return screen, rows(app)


def _local(ts: str, fmt: str) -> str:
    when = parse_ts(ts)
    assert when is not None
    return when.astimezone().strftime(fmt)


async def test_common_event_names_read_in_full_at_80x24(log: Path) -> None:
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, rows = await _rows(pilot, app)
        assert len(rows) == len(COMMON) + 1
        header = str(screen.query_one("#al-columns").render())
        assert header.split() == ["Time", "Level", "Event", "Message"]
        width = screen.view.scrollable_content_region.width
        for row, entry in zip(rows, reversed(lines), strict=True):  # newest at the top
            assert len(row) == width
            # The whole event name, then a space: "test_message.failed", not "test_message.fail…".
            assert f" {entry['event']} " in row, row
            assert "…" not in row[:40], row
            assert entry["message"] in row, row  # short messages are not cut
        # Today's entries: the local time only, HH:MM:SS.
        for row, entry in zip(rows[:-1], reversed(lines[1:]), strict=True):
            assert row[1:9] == _local(entry["ts"], "%H:%M:%S"), row
            assert _local(entry["ts"], "%Y-%m-%d") not in row, row
        # The older one: "Nov 29 10:21" (the month in English, the day padded like ls).
        old = parse_ts(lines[0]["ts"])
        assert old is not None
        old = old.astimezone()
        if old.year == datetime.now().astimezone().year:
            assert rows[-1][1:13] == f"{old:%b} {old.day:>2} {old:%H:%M}", rows[-1]
        else:  # the log spans a new year: the date
            assert rows[-1][1:11] == f"{old:%Y-%m-%d}", rows[-1]
        assert "older failure" in rows[-1] and "✖ ERROR" in rows[-1]
        sent = next(r for r in rows if " test_message.sent " in r)
        failed = next(r for r in rows if " test_message.failed " in r)
        assert "● INFO" in sent and "✖ ERROR" in failed


async def test_full_dates_at_120x40(log: Path) -> None:
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(120, 40)) as pilot:
        _, rows = await _rows(pilot, app)
        for row, entry in zip(rows, reversed(lines), strict=True):
            assert row[1:20] == _local(entry["ts"], "%Y-%m-%d %H:%M:%S"), row
            assert f" {entry['event']} " in row and entry["message"] in row


async def test_no_color_keeps_the_columns(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        _, rows = await _rows(pilot, app)
        assert app.no_color
        for _, event, _ in COMMON:
            assert any(f" {event} " in r for r in rows), event


def test_a_long_event_keeps_its_outcome() -> None:
    assert fit_event("exchange_server.autodiscover.failed", 19) == "exchange_se….failed"
    assert fit_event("test_message.failed", 19) == "test_message.failed"
    assert fit_event("signin.cancelled", 19) == "signin.cancelled   "
    # No dot, or a last segment too long to keep: cut at the end like any text.
    assert fit_event("a_very_long_name_without_any_dot", 19) == "a_very_long_name_w…"
    assert fit_event("x.an_outcome_longer_than_the_column", 19) == "x.an_outcome_longe…"
    for event in ("exchange_server.autodiscover.failed", "a.b", "ümlaut_名前.sent.failed"):
        for width in (1, 5, 19, 28):
            assert cell_len(fit_event(event, width)) == width  # exactly the column


def test_column_widths() -> None:
    narrow, wide = columns(79), columns(119)
    assert (narrow.time, narrow.event, narrow.message) == (12, 19, 37)
    assert not narrow.wide and wide.wide and wide.time == 19
    assert sum(wide) + 4 == 119 and sum(narrow) + 4 == 79  # marker and 3 spaces
    assert columns(20).message == 0
