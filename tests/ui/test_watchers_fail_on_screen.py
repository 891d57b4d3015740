"""The thread workers' safety net (`ui/workers.py`): a long-running watcher that stops on an
error it did not expect says so on screen, escaped, and the app keeps running.

Each watcher's own job is replaced by one that fails (alloy-tui's own functions: no library is
touched); the real screen runs it through `run_in_thread`, and the error must be seen in the
notification the app shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets._toast import Toast

from alloy_tui.core.config import Settings
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.queue.app import QueueApp
from tests.helpers.alertlog_screen import until
from tests.helpers.wizard import existing

HOSTILE = "the disk \x1b[31mwent\x1b]0;pwned\x07 away"
SHOWN = "OSError: the disk went away"


def fail(*args: Any, **kwargs: Any) -> None:
    raise OSError(HOSTILE)


def toasts(app: Any) -> list[str]:
    """The notifications as drawn on the screen."""
    return [str(t.render()) for t in app.screen.query(Toast)]


async def sees(pilot: Any, app: Any, what: str) -> None:
    line = f"{what} stopped: {SHOWN}"
    await until(pilot, lambda: any(line in t for t in toasts(app)), timeout=10)
    assert not any("\x1b" in t or "pwned" in t for t in toasts(app))
    assert app.is_running  # the app goes on; only that watcher stopped


def log_file(tmp_path: Path, n: int = 20) -> Path:
    path = tmp_path / "alert_log.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            entry = {"ts": f"2026-01-01T00:00:{i:02d}Z", "level": "info", "event": "x"}
            f.write(json.dumps({**entry, "message": f"entry {i}", "details": {}}) + "\n")
    return path


@pytest.mark.parametrize(
    ("job", "what"),
    [("follow_file", "Following the alert log"), ("index_file", "Indexing the alert log")],
)
async def test_an_alert_log_watcher_failing_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, job: str, what: str
) -> None:
    monkeypatch.setattr(f"alloy_tui.ui.alertlog.screen.{job}", fail)
    app = AlertLogApp(log_file(tmp_path), poll=0.01)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await sees(pilot, app, what)


async def test_an_alert_log_filter_failing_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alloy_tui.ui.alertlog.queries import LogQueries

    monkeypatch.setattr(LogQueries, "_scan", fail)
    app = AlertLogApp(log_file(tmp_path), poll=0.01)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: not getattr(app.screen, "scanning", True))
        await pilot.press("l")  # warnings and errors: a scan of the file on a thread
        await sees(pilot, app, "Searching the alert log")


async def test_the_queue_watcher_failing_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("alloy_tui.ui.queue.screen.watch_outbox", fail)
    config = tmp_path / "config.toml"
    config.write_text(f'[queue]\npath = "{tmp_path / "queue"}"\n', encoding="utf-8")
    app = QueueApp(Settings(), config, poll=0.01)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await sees(pilot, app, "Watching the queue")


async def test_the_wizards_queue_counter_failing_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("alloy_tui.ui.outbox_note.watch_counts", fail)
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await sees(pilot, app, "Counting the queue")
