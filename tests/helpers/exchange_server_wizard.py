"""Driving the wizard's Exchange Server steps in a Pilot (shared by its test files)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from alloy_tui.ui.wizard.exchange_server_step import (
    ExchangeServerScreen,
)

USER = "CONTOSO\\svc-alerts"
UPN = "svc-alerts@contoso.example"
PASSWORD = "Sandbox-Passw0rd"


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def with_ca(ca_path: Path) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'service = "exchange-server"\n\n[network]\nca_bundle = "{ca_path}"\ntimeout = 5\n'
    )


async def wait_for(pilot: Pilot[object], cls: type, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if isinstance(pilot.app.screen, cls):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"expected {cls.__name__}, on {type(pilot.app.screen).__name__}")


async def settle(pilot: Pilot[object], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if not [
            w
            for w in pilot.app.workers
            if w.group in ("test-send", "password-command") and w.is_running
        ]:
            await pilot.pause()
            return
    raise AssertionError("workers still running")


async def fill(pilot: Pilot[object], widget_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.focus()
    field.value = text
    await pilot.pause()


def text_of(pilot: Pilot[object], widget_id: str) -> str:
    return str(pilot.app.screen.query_one(f"#{widget_id}", Static).render())


async def to_exchange_server(pilot: Pilot[object]) -> None:
    await pilot.press("enter")  # welcome
    await pilot.pause()
    if pilot.app.state.draft.service != "exchange-server":  # type: ignore[attr-defined]
        await pilot.press("down", "down")
    await pilot.press("enter")
    await wait_for(pilot, ExchangeServerScreen)
