"""Driving the wizard's Exchange Server steps in a Pilot (shared by its test files)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.exchange_server_step import (
    ExchangeServerScreen,
)
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.on_premises import PASSWORD as PASSWORD  # re-exported for the wizard tests
from tests.helpers.on_premises import UPN as UPN
from tests.helpers.on_premises import USER as USER


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


async def send_test_to(pilot: Pilot[object], to: str) -> None:
    """On the test step: `to` in the recipient field, Enter sends; until the send is over."""
    await wait_for(pilot, TrialSendScreen)
    await fill(pilot, "to", to)
    await pilot.press("enter")
    await settle(pilot)


def send_error(pilot: Pilot[object]) -> str:
    """The test step's explanation of a failed send, as drawn."""
    return str(pilot.app.screen.query_one("#send-error", ExplanationPanel).render())


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


@asynccontextmanager
async def on_exchange_server_step(ca_path: Path) -> AsyncIterator[tuple[AlloyApp, Pilot[object]]]:
    """The wizard at 80x24 on the Exchange Server step, the config trusting `ca_path`."""
    with_ca(ca_path)
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_exchange_server(pilot)
        yield app, pilot
