"""Every wizard step as an SVG snapshot at 80x24 and 120x40 (NO_COLOR, as the conftest sets).

Deterministic: fixed paths, a fixed clock and date, a fixed device code, no network. Update only
after looking at the SVGs: `pytest tests/ui/wizard/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.errors import Explanation
from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.signin.client import Account
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.delegation_step import DelegationScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.snapshots import device_code
from tests.helpers.wizard import OneStep

CLOCK = 1_790_000_000.0
NEW_PATH = Path("/nonexistent/alloy-tui/config.toml")  # never created: "new config" screens
EDIT_DIR = Path("/tmp/alloy-tui-wizard-snapshots")
TENANT = "contoso.onmicrosoft.com"
CLIENT = "0b5d3c0e-8a3f-4c1e-9d2b-7f6a5e4d3c2b"
ACCOUNT = Account(name="Alloy Alerts", username="alerts@contoso.example", home_account_id="x.y")
SIZES = [(80, 24), (120, 40)]

EDIT_TEXT = f"""\
# Notification mail for this server
service = "exchange-online"

[exchange_online]
tenant = "{TENANT}"
client_id = "{CLIENT}"
api = "graph"
account = "alerts@contoso.example"
"""


def edit_path() -> Path:
    """A config with fixed content in a folder of its own; StepApp shows it as EDIT_DIR's (a
    fixed path for the SVGs) and removes the folder once it is read, so nothing stays in /tmp."""
    path = Path(tempfile.mkdtemp(prefix="alloy-tui-snapshot-")) / "config.toml"
    path.write_text(EDIT_TEXT, encoding="utf-8")
    return path


def filled(state: WizardState) -> None:
    state.draft = state.draft.with_section(
        "exchange_online", tenant=TENANT, client_id=CLIENT, account=ACCOUNT.username
    )
    state.account = ACCOUNT


class StepApp(OneStep):
    """One step on its own, with a prepared state and an optional action once it is shown."""

    def __init__(
        self,
        path: Path,
        key: str,
        make: Callable[[WizardState], Any],
        prepare: Callable[[WizardState], None] = lambda s: None,
        after: Callable[[Any], None] = lambda screen: None,
    ) -> None:
        def shown_path_then(state: WizardState) -> None:
            if state.config_path.parent.name.startswith("alloy-tui-snapshot-"):
                shutil.rmtree(state.config_path.parent, ignore_errors=True)
                state.config_path = EDIT_DIR / "config.toml"  # shown, never created
            prepare(state)

        super().__init__(
            path, key, make, shown_path_then, after, clock=lambda: CLOCK, today=date(2026, 9, 1)
        )


def send_denied(screen: TrialSendScreen) -> None:
    screen.query_one("#to").value = "bob@example.com"
    screen.query_one("#from").value = "ceo@contoso.example"
    screen.show_failure(
        Explanation(
            title="Not allowed to send on behalf of this user",
            cause="alerts@contoso.example tried to send From ceo@contoso.example, but "
            "ceo@contoso.example has not granted it Send On Behalf.",
            fix="ceo@contoso.example opens Outlook: File > Info > Account Settings > Delegate "
            "Access > Add > alerts@contoso.example > None for each folder > OK.",
            code="ErrorSendAsDenied",
        )
    )


def send_ok(screen: TrialSendScreen) -> None:
    screen.query_one("#to").value = "bob@example.com"
    screen.show_sent(
        SendResult(
            api="graph",
            account=ACCOUNT.username,
            from_address=ACCOUNT.username,
            to=("bob@example.com",),
            duration_ms=412,
            request_id="5e0c8d7a-1111-2222-3333-444455556666",
        ),
        "bob@example.com",
        "",
    )


def delegation_on(state: WizardState) -> None:
    filled(state)
    state.draft = state.draft.with_section("exchange_online", from_delegation=True)


def ews_chosen(state: WizardState) -> None:
    filled(state)
    state.draft = state.draft.with_section("exchange_online", api="ews")


def large_messages_on(state: WizardState) -> None:
    filled(state)
    state.draft = state.draft.with_section("exchange_online", large_messages=True)


CASES: dict[str, Callable[[], StepApp]] = {
    "welcome_new": lambda: StepApp(NEW_PATH, "welcome", WelcomeScreen),
    "welcome_edit": lambda: StepApp(edit_path(), "welcome", WelcomeScreen),
    "service": lambda: StepApp(NEW_PATH, "service", ServiceScreen),
    "registration": lambda: StepApp(NEW_PATH, "registration", RegistrationScreen, filled),
    "api_ews": lambda: StepApp(NEW_PATH, "api", ApiScreen, ews_chosen),
    "api_large": lambda: StepApp(NEW_PATH, "api", ApiScreen, large_messages_on),
    "signin_code": lambda: StepApp(
        NEW_PATH, "signin", lambda s: SignInScreen(s, autostart=False), filled, device_code(CLOCK)
    ),
    "signin_done": lambda: StepApp(
        NEW_PATH,
        "signin",
        lambda s: SignInScreen(s, autostart=False),
        filled,
        lambda screen: screen.show_account(ACCOUNT),
    ),
    "delegation_on": lambda: StepApp(NEW_PATH, "delegation", DelegationScreen, delegation_on),
    "test_denied": lambda: StepApp(NEW_PATH, "test", TrialSendScreen, delegation_on, send_denied),
    "test_sent": lambda: StepApp(NEW_PATH, "test", TrialSendScreen, filled, send_ok),
    "review": lambda: StepApp(NEW_PATH, "review", ReviewScreen, delegation_on),
    "done": lambda: StepApp(edit_path(), "done", DoneScreen, filled),
}


async def settle(pilot: Any) -> None:
    """Once the step is mounted: run its `after` (show a code, a result), then let it draw."""
    await pilot.pause()
    pilot.app.after(pilot.app.screen)
    await pilot.pause()
    await pilot.pause(0.1)


async def test_snapshots_leave_nothing_in_tmp() -> None:
    shutil.rmtree(EDIT_DIR, ignore_errors=True)  # left by an older version of these tests
    for case in ("welcome_edit", "done"):
        app = CASES[case]()
        async with app.run_test() as pilot:
            await settle(pilot)
            assert str(EDIT_DIR / "config.toml") in " ".join(
                str(w.content) for w in app.screen.query("Static")
            )
    assert not EDIT_DIR.exists()
    assert not list(Path(tempfile.gettempdir()).glob("alloy-tui-snapshot-*"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", list(CASES))
def test_step_snapshot(snap_compare: Any, case: str, size: tuple[int, int]) -> None:
    assert snap_compare(CASES[case](), terminal_size=size, run_before=settle)
