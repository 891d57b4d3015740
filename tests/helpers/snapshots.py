"""What the screens' snapshot tests share (not a test module): a steady terminal and time zone,
the alert-log app on fixed content, and waiting until a screen has settled."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.ui.alertlog import view
from alloy_tui.ui.alertlog.app import AlertLogApp


@pytest.fixture(name="_restore_tz", autouse=False)
def restore_tz() -> Iterator[None]:
    """The process's time zone read again after the test: request it (as `_restore_tz`)
    before `monkeypatch`, so it runs after monkeypatch has put TZ back."""
    yield
    time.tzset()


def steady_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path | None = None) -> None:
    """Berlin time and the same colours whatever terminal runs the tests (TERM=xterm would mean
    16 colours); with `tmp_path`, work there."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    if tmp_path is not None:
        monkeypatch.chdir(tmp_path)


def log_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> AlertLogApp:
    """The alert-log app on `content`, "today" being 2026-03-01 (entries from the day before
    show a date, today's a time)."""
    steady_terminal(monkeypatch, tmp_path)
    monkeypatch.setattr(view, "local_today", lambda: date(2026, 3, 1))
    Path("alert_log.jsonl").write_bytes(content)
    return AlertLogApp(Path("alert_log.jsonl"), poll=0.05)


async def settle(pilot: Any, ready: Callable[[Any], bool], last: float | None = None) -> None:
    """Up to 4 s for `ready(screen)`, then one more pause (`last` seconds, or one refresh)."""
    for _ in range(200):
        await pilot.pause(0.02)
        if ready(pilot.app.screen):
            break
    await pilot.pause(last)


def device_code(clock: float) -> Callable[[Any], None]:
    """An action for the wizard's sign-in step: show a fixed device code (F7GHK2LQX) that
    expires 15 minutes after `clock`."""
    from alloy_tui.core.signin.client import DeviceCode

    def show(screen: Any) -> None:
        screen.show_code(
            DeviceCode(
                user_code="F7GHK2LQX",
                verification_uri="https://microsoft.com/devicelogin",
                expires_at=clock + 900,
                message="",
            )
        )

    return show
