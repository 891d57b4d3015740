"""The live alert-log screen, driven with Textual's pilot on real files written by the real writer."""

from __future__ import annotations

import asyncio
import json
from array import array
from pathlib import Path

import pytest
from textual.widgets import Input

from alloy_tui.core.alertlog import AlertLogWriter, archive_path
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.dialogs import ConfirmClearScreen, DetailsScreen
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from tests.helpers.alertlog_screen import drawn as _rows
from tests.helpers.alertlog_screen import ready as _ready
from tests.helpers.alertlog_screen import status as _status
from tests.helpers.alertlog_screen import until as _until

LEVELS = ("info", "warning", "error")


def _line(i: int, level: str | None = None, message: str | None = None) -> str:
    obj = {
        "ts": f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "level": level or LEVELS[i % 3],
        "event": "notification.sent",
        "message": message or f"entry number {i}",
        "details": {"i": i, "to": f"ops{i}@contoso.com"},
    }
    return json.dumps(obj, separators=(",", ":")) + "\n"


def _fill(path: Path, n: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(_line(i) for i in range(n)), encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return _fill(tmp_path / "alert_log.jsonl", 300)


async def test_newest_first_with_columns_and_symbols(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _ready(pilot, app)
        rows = _rows(app)
        assert "entry number 299" in rows[0] and "entry number 298" in rows[1]
        assert rows[0].startswith("›")  # the cursor, visible without colour
        assert "✖ ERROR" in rows[0] and "▲ WARN" in rows[1] and "● INFO" in rows[2]
        assert "2026-03-01" in rows[0] and "notification.sent" in rows[0]
        assert len(screen.base) == 300
        assert "300 entries" in _status(app)
        # Virtual: a handful of widgets, offsets in an array, nothing per entry.
        assert len(list(app.screen.query("*"))) < 30
        assert isinstance(screen.base.older, array)


async def test_malformed_and_very_long_lines(tmp_path: Path) -> None:
    path = tmp_path / "alert_log.jsonl"
    path.write_bytes(
        _line(1).encode()
        + b"this line is not json at all\n"
        + _line(2, message="M" * 500_000).encode()
        + b"Z" * (2 * 1024 * 1024)
        + b"\n"
        + _line(3).encode()
    )
    app = AlertLogApp(path, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot, app)
        rows = _rows(app)
        assert "entry number 3" in rows[0]
        assert "? BAD" in rows[1] and "(cut: long line)" in rows[1] and "ZZZ" in rows[1]
        assert len(rows[1]) == 80 and rows[1].endswith("…")
        assert "MMMM" in rows[2] and rows[2].endswith("…")
        assert (
            "? BAD" in rows[3]
            and "(not an entry)" in rows[3]
            and "this line is not json" in rows[3]
        )
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.entry.truncated
        await pilot.press("escape", "down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        body = str(app.screen.query_one("#details-body").render())
        assert "not a valid JSON entry" in body and "this line is not json at all" in body


async def test_details_show_every_field(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(pilot, app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        body = str(app.screen.query_one("#details-body").render())
        assert "2026-03-01T10:04:58.000Z" in body
        assert "Level    ▲ WARN" in body and "Event    notification.sent" in body
        assert "Message  entry number 298" in body
        assert '"to": "ops298@contoso.com"' in body and '  "i": 298' in body  # pretty-printed
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AlertLogScreen)


async def test_level_filter_cycles(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("l")
        await _until(pilot, lambda: "filter" not in screen.query_progress)
        assert screen.filtered is not None and len(screen.filtered) == 200
        assert all(("WARN" in r or "ERROR" in r) for r in _rows(app) if r.strip())
        assert "200 of 300" in _status(app) and "warnings and errors" in _status(app)
        await pilot.press("l")
        await _until(pilot, lambda: "filter" not in screen.query_progress)
        assert len(screen.filtered) == 100
        assert all("ERROR" in r for r in _rows(app) if r.strip())
        # A new warning does not show under "errors only"; a new error does, at the top.
        w = AlertLogWriter(log)
        w.write("warning", "filter.test", "a new warning")
        w.write("error", "filter.test", "a new error")
        await _until(pilot, lambda: len(screen.base) == 302)
        assert "a new error" in _rows(app)[0] and not any("a new warning" in r for r in _rows(app))
        await pilot.press("l")
        await pilot.pause()
        assert (
            screen.filtered is None
            and "a new error" in _rows(app)[0]
            and "a new warning" in _rows(app)[1]
        )


async def test_search_next_and_previous(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("slash", *"OPS10", "enter")  # case-insensitive: ops10, ops100..ops109
        await _until(pilot, lambda: "search" not in screen.query_progress)
        assert screen.matches is not None and len(screen.matches) == 11
        assert "11 found" in _status(app)
        view = screen.view
        # Enter moved to the first (newest) match at once; n and N go on from there.
        assert view.entry_at(view.cursor_row).details["i"] == 109  # type: ignore[union-attr]
        seen = []
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
            seen.append(view.entry_at(view.cursor_row).details["i"])  # type: ignore[union-attr]
        assert seen == [108, 107, 106]
        await pilot.press("N")
        await pilot.pause()
        assert view.entry_at(view.cursor_row).details["i"] == 107  # type: ignore[union-attr]
        for _ in range(12):
            await pilot.press("n")
        await pilot.pause()
        assert view.entry_at(view.cursor_row).details["i"] == 10  # type: ignore[union-attr]
        assert "No more matches below" in _status(app)


async def test_search_cancel_keeps_partial_results(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    one = _line(1, level="info").encode()
    path.write_bytes(one * 300_000)
    app = AlertLogApp(path, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("slash")
        box = screen.query_one("#al-search", Input)
        box.value = "number"  # every line matches: the search takes a while
        await box.action_submit()
        await pilot.press("escape")
        await pilot.pause()
        assert "cancelled" in _status(app)
        assert screen.matches is not None and len(screen.matches) < 300_000
        assert not screen.query_progress
        assert isinstance(app.screen, AlertLogScreen)  # Escape stopped the search, not the screen


async def test_live_arrival_at_top(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        AlertLogWriter(log).write("error", "test_message.failed", "just arrived")
        await _until(pilot, lambda: "just arrived" in _rows(app)[0])
        assert _rows(app)[0].startswith("›") and screen.pending_new == 0
        assert "entry number 299" in _rows(app)[1]


async def test_live_arrival_while_scrolled_away(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        before = _rows(app)
        assert "entry number 299" not in before[0]
        w = AlertLogWriter(log)
        w.write("info", "x.y", "arrived one")
        w.write("info", "x.y", "arrived two")
        await _until(pilot, lambda: screen.pending_new == 2)
        assert _rows(app) == before  # the view did not jump
        assert "2 new entries (Home)" in _status(app)
        await pilot.press("home")
        await pilot.pause()
        assert "arrived two" in _rows(app)[0] and "arrived one" in _rows(app)[1]
        assert screen.pending_new == 0 and "new entr" not in _status(app)


async def test_rotation_and_truncation_while_open(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        w = AlertLogWriter(log, AlertLog(keep=3))
        w.rotate()
        w.write("warning", "after.rotate", "first in the new file")
        await _until(pilot, lambda: "first in the new file" in _rows(app)[0])
        assert len(screen.base) == 1 and "rotated or truncated" in _status(app)
        w.write("info", "after.rotate", "second in the new file")
        await _until(pilot, lambda: "second in the new file" in _rows(app)[0])
        with open(log, "r+b") as f:
            f.truncate(0)
        await _until(pilot, lambda: len(screen.base) == 0)
        w.write("error", "after.truncate", "after truncation")
        await _until(pilot, lambda: "after truncation" in _rows(app)[0])
        assert len(screen.base) == 1


async def test_log_missing_then_created(tmp_path: Path) -> None:
    path = tmp_path / "state" / "alert_log.jsonl"
    app = AlertLogApp(path, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "no log yet" in _status(app)
        AlertLogWriter(path).write("info", "first.ever", "the very first entry")
        await _until(pilot, lambda: "the very first entry" in _rows(app)[0])


async def test_clear_archives_after_confirmation(log: Path) -> None:
    old_entries_kept = AlertLog(retention_days=0)  # the fixture's entries are months old
    app = AlertLogApp(log, old_entries_kept, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmClearScreen)
        await pilot.press("n")
        await pilot.pause()
        assert not archive_path(log, 1).exists() and len(screen.base) == 300
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await _until(pilot, lambda: len(screen.base) == 0)
        assert archive_path(log, 1).read_text().count("\n") == 300  # archived, not deleted
        assert "Archived to alert_log.jsonl.1" in _status(app)


async def test_refresh_and_close(log: Path) -> None:
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        with open(log, "a") as f:  # an edit the follower would also see; F5 re-reads it all
            f.write(_line(1000))
        await pilot.press("f5")
        await _ready(pilot, app)
        assert len(screen.base) == 301 and "entry number 1000" in _rows(app)[0]
        await pilot.press("escape")
        await asyncio.wait_for(pilot.pause(), 2)
    assert app.return_code == 0


async def test_fast_typing_after_slash_lands_in_the_search_box(log: Path) -> None:
    from textual import events

    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _ready(pilot, app)
        for key, char in [
            ("slash", "/"),
            ("o", "o"),
            ("p", "p"),
            ("s", "s"),
            ("1", "1"),
            ("0", "0"),
        ]:
            app.post_message(
                events.Key(key, char)
            )  # all queued at once, like a paste or fast typist
        await pilot.pause(0.2)
        assert screen.query_one("#al-search", Input).value == "ops10"
        await pilot.press("enter")
        await _until(pilot, lambda: "search" not in screen.query_progress)
        assert screen.search_text == "ops10" and len(screen.matches or []) == 11
