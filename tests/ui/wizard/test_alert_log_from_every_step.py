"""The live alert log is one key (^L) away from every step, and Esc returns to that step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.sandbox.server import Sandbox
from alloy_tui.ui.alertlog import AlertLogScreen
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.delegation_step import DelegationScreen
from alloy_tui.ui.wizard.local_mail_step import LocalMailScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.wizard import on, screen_text, set_input, wait_for


def _log_rows(app: AlloyApp) -> str:
    """The alert-log rows as drawn (the view renders lines itself: no widget per entry)."""
    view = app.screen.view
    return "\n".join(view.render_line(y).text for y in range(view.scrollable_content_region.height))


async def _round_trip(app: AlloyApp, pilot: object, step: type, expect: str = "") -> None:
    """^L opens the live alert log over `step`; Esc brings the same step back."""
    await pilot.press("ctrl+l")
    await wait_for(
        pilot, lambda: isinstance(app.screen, AlertLogScreen), what=f"log over {step.__name__}"
    )
    if expect:
        await wait_for(pilot, lambda: expect in _log_rows(app), what=f"{expect!r} in the log")
    await pilot.press("escape")
    await wait_for(pilot, lambda: on(app, step), what=f"back on {step.__name__}")


async def _on_to(app: AlloyApp, pilot: Any, key: str, step: type) -> None:
    """`key` moves on to `step`; the alert log opens over it and closes back to it."""
    await pilot.press(key)
    await wait_for(pilot, lambda: on(app, step), what=step.__name__)
    await _round_trip(app, pilot, step)


async def test_alert_log_from_every_step(sandbox: Sandbox, sandbox_config: Path) -> None:
    app = AlloyApp(sandbox_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen), what="welcome")
        await _round_trip(app, pilot, WelcomeScreen)
        await _on_to(app, pilot, "enter", ServiceScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        set_input(app, "#tenant", sandbox.tenant)
        set_input(app, "#client_id", sandbox.client_id)
        await _round_trip(app, pilot, RegistrationScreen)
        assert app.screen.query_one("#client_id").value == sandbox.client_id  # nothing lost
        await _on_to(app, pilot, "ctrl+n", ApiScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        await wait_for(
            pilot, lambda: "Signed in as" in screen_text(app), timeout=15, what="sign-in"
        )
        await _round_trip(app, pilot, SignInScreen, expect="signin.succeeded")
        await _on_to(app, pilot, "enter", DelegationScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        set_input(app, "#to", "ops@contoso.example")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: not app.screen.sending, timeout=15, what="the send")
        await _round_trip(app, pilot, TrialSendScreen, expect="test_message.sent")
        await _on_to(app, pilot, "ctrl+n", LocalMailScreen)
        await _on_to(app, pilot, "ctrl+n", ReviewScreen)
