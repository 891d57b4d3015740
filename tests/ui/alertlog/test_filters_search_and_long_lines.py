"""Acceptance-audit fixes of the live alert-log screen: exact level filter, 16 colours, search
beyond ASCII, an honest clear off the UI thread, long entries that keep their level."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.color import ColorSystem
from textual.widgets import Input

from alloy_tui.core.alertlog import AlertLogWriter, archive_path
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.dialogs import ConfirmClearScreen, DetailsScreen
from tests.helpers.alertlog_screen import drawn as _rows
from tests.helpers.alertlog_screen import ready as _ready
from tests.helpers.alertlog_screen import status as _status
from tests.helpers.alertlog_screen import until as _until


def _entry(i: int, level: str, message: str, details: dict | None = None, ts: str = "") -> str:
    obj = {
        "ts": ts or f"2026-03-01T10:00:{i % 60:02d}.000Z",
        "level": level,
        "event": "audit.entry",
        "message": message,
        "details": details or {},
    }
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n"


async def test_errors_only_ignores_a_level_inside_details(tmp_path: Path) -> None:
    log = tmp_path / "alert_log.jsonl"
    log.write_text(
        _entry(1, "info", "info with an error inside", {"level": "error"})
        + _entry(2, "error", "a real error", {"level": "info"})
        + '{"message": "other key order", "details": {"level": "info"}, "level": "error"}\n'
        + 'not an entry but says "level":"error"\n'
    )
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("l", "l")  # errors only
        await _until(pilot, lambda: "filter" not in screen.query_progress)
        shown = [r for r in _rows(app) if r.strip()]
        assert len(shown) == 2
        assert "other key order" in shown[0] and "a real error" in shown[1]
        w = AlertLogWriter(log)  # live arrivals go through the same exact test
        w.write("info", "live.one", "live info, error inside", {"level": "error"})
        w.write("error", "live.two", "live error")
        await _until(pilot, lambda: len(screen.base) == 6)
        await pilot.pause()
        shown = [r for r in _rows(app) if r.strip()]
        assert len(shown) == 3 and "live error" in shown[0]
        assert not any("error inside" in r for r in shown)


@pytest.mark.parametrize(
    ("term", "colorterm", "few"), [("xterm", "", True), ("xterm-256color", "truecolor", False)]
)
async def test_warn_and_error_differ_with_16_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, term: str, colorterm: str, few: bool
) -> None:
    monkeypatch.setenv("TERM", term)
    monkeypatch.setenv("COLORTERM", colorterm)
    monkeypatch.delenv("NO_COLOR", raising=False)
    log = tmp_path / "alert_log.jsonl"
    log.write_text(_entry(1, "info", "i") + _entry(2, "warning", "w") + _entry(3, "error", "e"))
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 12)) as pilot:
        screen = await _ready(pilot, app)
        view = screen.view
        assert view.few_colours is few
        view.move_to(3)  # the cursor off the three rows
        colours = {}
        for y in range(3):
            for seg in view.render_line(y):
                for word in ("ERROR", "WARN", "INFO"):
                    if word in seg.text and seg.style is not None and seg.style.color:
                        system = ColorSystem.STANDARD if few else ColorSystem.EIGHT_BIT
                        colours[word] = seg.style.color.downgrade(system).number
        assert len(set(colours.values())) == 3, colours  # three levels, three colours
        if few:  # exactly bright red, bright yellow, bright cyan of the 16-colour palette
            assert colours == {"ERROR": 9, "WARN": 11, "INFO": 14}


async def test_search_finds_accented_text_in_any_case(tmp_path: Path) -> None:
    log = tmp_path / "alert_log.jsonl"
    log.write_text(
        _entry(1, "error", "Échec de l'envoi à ops@contoso.com")
        + _entry(2, "info", "sent fine")
        + _entry(3, "error", "échec again")
    )
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(80, 20)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("slash")
        box = screen.query_one("#al-search", Input)
        box.value = "ÉCHEC"
        await box.action_submit()
        await _until(pilot, lambda: "search" not in screen.query_progress)
        assert screen.matches is not None and len(screen.matches) == 2
        AlertLogWriter(log).write("error", "live.fail", "ÉCHEC en direct")
        await _until(pilot, lambda: len(screen.matches or []) == 3)
        assert '"ÉCHEC": 3 found' in _status(app)


def _old_log(path: Path, n: int) -> Path:
    path.write_text(
        "".join(_entry(i, "info", f"old {i}", ts="2020-01-01T00:00:00.000Z") for i in range(n))
    )
    return path


async def test_clear_says_what_retention_drops_and_runs_off_the_ui_thread(tmp_path: Path) -> None:
    log = _old_log(tmp_path / "alert_log.jsonl", 2_000)
    app = AlertLogApp(log, AlertLog(keep=3, retention_days=30), poll=0.01)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmClearScreen)
        text = str(app.screen.query_one("#confirm-text").render())
        assert "archived to alert_log.jsonl.1" in text
        assert "older than 30 days are dropped" in text and "newest 3 archives" in text
        assert "nothing is deleted" not in text
        # Another process holds the log's lock (a writer mid-append): the clear has to wait for
        # it, and the screen must stay alive meanwhile. Released after 1.5 s in any case.
        holder = os.open(log, os.O_RDONLY)
        fcntl.flock(holder, fcntl.LOCK_EX)
        release = threading.Timer(1.5, os.close, (holder,))
        release.start()
        try:
            await pilot.press("y")
            await pilot.pause()
            assert "Archiving the log" in _status(app)
            await pilot.press("l")  # keys still work while the rotation waits
            await pilot.pause()
            assert "warnings and errors" in _status(app) and screen.clearing
        finally:
            release.join()
        await _until(pilot, lambda: not screen.clearing, timeout=10)
        assert len(screen.base) == 0
        # Every entry was older than the retention: the archive is gone, and the screen says so.
        assert not archive_path(log, 1).exists()
        assert "every entry was older than 30 days" in _status(app)
        assert "Archived to" not in _status(app)


async def test_clear_with_keep_zero_warns_that_it_deletes(tmp_path: Path) -> None:
    log = tmp_path / "alert_log.jsonl"
    log.write_text(_entry(1, "info", "one"))
    app = AlertLogApp(log, AlertLog(keep=0, retention_days=0), poll=0.01)
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(pilot, app)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmClearScreen)
        assert "DELETED" in str(app.screen.query_one("#confirm-text").render())
        await pilot.press("y")
        await _until(pilot, lambda: "emptied" in _status(app))


async def test_a_long_entry_keeps_its_level_and_time(tmp_path: Path) -> None:
    log = tmp_path / "alert_log.jsonl"
    big = _entry(5, "error", "Server said: " + "x" * (1024 * 1024 + 10), {"body": "y" * 100})
    log.write_text(_entry(1, "info", "before") + big + _entry(2, "info", "after"))
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await _ready(pilot, app)
        row = _rows(app)[1]
        assert "✖ ERROR" in row and "audit.entry" in row
        local = datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC).astimezone()
        assert (
            row[1:13] == f"{local:%b} {local.day:>2} {local:%H:%M}" or row[1:11] == f"{local:%F}"
        ), row
        assert "(cut: long line) Server said: xxx" in row and len(row) == 100
        await pilot.press("l", "l")
        await _until(pilot, lambda: "filter" not in screen.query_progress)
        assert screen.filtered is not None and len(screen.filtered) == 1  # errors only: it is one
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        body = str(app.screen.query_one("#details-body").render())
        assert "Level    ✖ ERROR" in body and "longer than 1 MiB" in body


async def test_the_row_cache_does_not_hold_long_lines_whole(tmp_path: Path) -> None:
    log = tmp_path / "alert_log.jsonl"
    log.write_text("".join(_entry(i, "error", f"{i} " + "z" * 400_000) for i in range(12)))
    app = AlertLogApp(log, poll=0.01)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await _ready(pilot, app)
        await pilot.pause()
        view = screen.view
        assert "11 zzz" in _rows(app)[0] and len(view._cache) >= 12
        held = sum(len(e.raw) + len(e.message) for e in view._cache.values())
        assert held < 200_000, held  # was 12 x 800,000 characters
        await pilot.press("enter")  # the details still read the whole line from the file
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        assert len(app.screen.entry.message) == 400_003
