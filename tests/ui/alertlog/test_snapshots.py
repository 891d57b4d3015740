"""Snapshots of the alert-log screen at 80x24 and 120x40 (fixed time zone and log content)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from tests.helpers.snapshots import log_app, restore_tz, settle  # noqa: F401 - fixture `_restore_tz`

LEVELS = ("info", "warning", "error")
# The common events, each with a level that fits it: at 80 columns sent and failed read in full.
EVENTS = {
    "info": ("notification.sent", "test_message.sent", "signin.succeeded"),
    "warning": ("smtp.retry", "signin.cancelled", "smtp.retry"),
    "error": ("notification.failed", "test_message.failed", "signin.failed"),
}


def _content() -> bytes:
    lines = []
    for i in range(60):
        level = LEVELS[i % 3]
        day = "2026-02-28T18" if i < 2 else "2026-03-01T10"
        lines.append(
            json.dumps(
                {
                    "ts": f"{day}:{i // 60:02d}:{i % 60:02d}.000Z",
                    "level": level,
                    "event": EVENTS[level][i // 3 % 3],
                    "message": f"Notification {i} to ops{i}@contoso.com: {'sent' if level == 'info' else 'delayed, will retry'}.",
                    "details": {"id": i, "transport": "graph", "request_id": f"req-{i:04d}"},
                },
                separators=(",", ":"),
            )
        )
    lines.insert(57, "a line that is not JSON: the disk was full")
    lines.insert(
        55,
        json.dumps(
            {
                "ts": "2026-03-01T10:00:55.500Z",
                "level": "error",
                "event": "send.failed",
                "message": "Very long " + "x" * 3000,
                "details": {},
            }
        ),
    )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def app(_restore_tz: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AlertLogApp:
    return log_app(tmp_path, monkeypatch, _content())


async def _settle(pilot: object) -> None:
    await settle(pilot, lambda s: isinstance(s, AlertLogScreen) and not s.scanning)


def test_snapshot_80x24(snap_compare: object, app: AlertLogApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)  # type: ignore[operator]


def test_snapshot_120x40(snap_compare: object, app: AlertLogApp) -> None:
    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("down", "down", "down")  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)  # type: ignore[operator]


def test_snapshot_oldest_80x24(snap_compare: object, app: AlertLogApp) -> None:
    """The bottom of the log: the day before shows its date, today its time."""

    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("end")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_snapshot_details_80x24(snap_compare: object, app: AlertLogApp) -> None:
    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("down", "enter")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_snapshot_errors_and_search_120x40(snap_compare: object, app: AlertLogApp) -> None:
    async def run_before(pilot: object) -> None:
        await _settle(pilot)
        await pilot.press("l", "l", "slash", *"retry", "enter")  # type: ignore[attr-defined]
        screen = pilot.app.screen  # type: ignore[attr-defined]
        for _ in range(100):
            await pilot.pause(0.02)  # type: ignore[attr-defined]
            if not screen.query_progress:
                break
        await pilot.press("n")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)  # type: ignore[operator]
