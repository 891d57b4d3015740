"""Every step of every service path as an SVG snapshot at 60x20 and 80x24 (NO_COLOR, as the
conftest sets): Exchange Online (a device code, or app-only with a certificate), SMTP, Exchange
Server, each from Welcome to Saved.

One app run per path and size: the steps are pushed one after another on the same app, each
with the state the steps before it left (a signed-in account, a test message that went
through), and a snapshot is taken of each. Deterministic: fixed paths that are never created, a
fixed clock and date, a fixed device code, fixed send results, a fixed sendmail link and
script, no network. Update only after looking at the SVGs:
`pytest tests/ui/wizard/test_path_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.widgets import Input

from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.signin.client import Account
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard import flow
from alloy_tui.ui.wizard.local_mail_step import LocalMailScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.snapshots import device_code

CLOCK = 1_790_000_000.0
NEW_PATH = Path("/nonexistent/alloy-tui/config.toml")  # never created
SENDMAIL_LINK = Path("/nonexistent/sbin/sendmail")  # "does not exist yet", on every machine
SENDMAIL_SCRIPT = Path("/opt/alloy-tui/bin/alloy-sendmail")
TENANT = "contoso.onmicrosoft.com"
CLIENT = "0b5d3c0e-8a3f-4c1e-9d2b-7f6a5e4d3c2b"
ACCOUNT = Account(name="Alloy Alerts", username="alerts@contoso.example", home_account_id="x.y")
SIZES = [(60, 20), (80, 24)]


def exchange_online(state: WizardState) -> None:
    state.draft = state.draft.with_section(
        "exchange_online", tenant=TENANT, client_id=CLIENT, account=ACCOUNT.username
    )


def exchange_online_app_only(state: WizardState) -> None:
    exchange_online(state)
    state.draft = state.draft.with_section(
        "exchange_online",
        auth="certificate",
        certificate="/nonexistent/alloy-tui/app.pem",  # not made yet: the step offers ^G
        mailbox=ACCOUNT.username,
    )


def smtp(state: WizardState) -> None:
    draft = state.draft.with_section(
        "smtp", host="smtp.contoso.com", port=587, username="alerts@contoso.com"
    )
    state.draft = dataclasses.replace(draft, service="smtp")


def exchange_server(state: WizardState) -> None:
    draft = state.draft.with_section(
        "exchange_server",
        ews_endpoint="https://mail.contoso.com/EWS/Exchange.asmx",
        username="CONTOSO\\svc-alerts",
    )
    draft = draft.with_section("message", default_from="svc-alerts@contoso.com")
    state.draft = dataclasses.replace(draft, service="exchange-server")


def sent(api: str, account: str, from_address: str) -> Callable[[Any], None]:
    def show(screen: TrialSendScreen) -> None:
        screen.query_one("#to", Input).value = "bob@example.com"
        result = SendResult(
            api=api,
            account=account,
            from_address=from_address,
            to=("bob@example.com",),
            duration_ms=412,
            request_id="5e0c8d7a-1111-2222-3333-444455556666" if api == "graph" else "",
        )
        screen.show_sent(result, "bob@example.com", "")

    return show


def password_typed(screen: Any) -> None:
    screen.query_one("#pw-value", Input).value = "hunter2-secret"


#: Per path: how the draft starts, and what to do on a step once it is shown (by step key).
PATHS: dict[str, tuple[Callable[[WizardState], None], dict[str, Callable[[Any], None]]]] = {
    "exchange_online": (
        exchange_online,
        {"signin": device_code(CLOCK), "test": sent("graph", ACCOUNT.username, ACCOUNT.username)},
    ),
    "exchange_online_app_only": (
        exchange_online_app_only,
        {"test": sent("graph", ACCOUNT.username, ACCOUNT.username)},
    ),
    "smtp": (
        smtp,
        {
            "smtp-signin": password_typed,
            "test": sent("smtp", "alerts@contoso.com", "alerts@contoso.com"),
        },
    ),
    "exchange_server": (
        exchange_server,
        {
            "exchange-server-account": password_typed,
            "test": sent("exchange-server", "svc-alerts@contoso.com", "svc-alerts@contoso.com"),
        },
    ),
}


def make(step: flow.Step, state: WizardState) -> Any:
    """The step's screen as the flow makes it (the sign-in step waits for a code we give it;
    the local mail step looks at a fixed sendmail link and script)."""
    if step.key == "signin" and state.draft.exchange_online.auth != "certificate":
        return SignInScreen(state, autostart=False)
    if step.key == "local_mail":
        return LocalMailScreen(state, link=SENDMAIL_LINK, script=SENDMAIL_SCRIPT)
    return step.make(state)


class PathApp(AlloyApp):
    def __init__(self) -> None:
        super().__init__(NEW_PATH, clock=lambda: CLOCK, today=date(2026, 9, 1), start_flow=False)


async def walk(app: PathApp, pilot: Any, path: str) -> dict[str, str]:
    """Every step of `path`, in order, on this one app: key -> SVG."""
    prepare, actions = PATHS[path]
    await pilot.pause()
    state = app.state
    prepare(state)
    if path.startswith("exchange_online"):
        state.account = ACCOUNT
    shots: dict[str, str] = {}
    for step in flow.steps_for(state):
        screen = make(step, state)
        screen.progress = flow.progress_for(flow.steps_for(state), step.key, state)
        await app.push_screen(screen)
        await pilot.pause()
        if step.key in actions:
            actions[step.key](screen)
            await pilot.pause()
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()
        shots[step.key] = app.export_screenshot()
        state.done.add(step.key)
        app.pop_screen()
        await pilot.pause()
    return shots


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", list(PATHS))
async def test_every_step_of_the_path(snapshot: Any, path: str, size: tuple[int, int]) -> None:
    app = PathApp()
    async with app.run_test(size=size) as pilot:
        shots = await walk(app, pilot, path)
    assert list(shots)[0] == "welcome" and list(shots)[-1] == "done"
    svg = snapshot.use_extension(SVGImageExtension)
    differ = [key for key, shot in shots.items() if not svg(name=key) == shot]
    assert not differ, f"snapshots differ (or are missing) for: {differ}"
