"""`alloy-tui --sandbox`: the wizard fills in what the sandbox knows, as its config does for
Exchange Online: SMTP host, port, security and user; the Exchange Server's EWS URL, user and
From. Only the password is typed. The SMTP values are proven by a real test send."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input

from alloy_tui.core import secrets
from alloy_tui.sandbox import guide
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.choice import ChoiceList
from alloy_tui.ui.wizard.exchange_server_step import ExchangeAccountScreen, ExchangeServerScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen, SmtpSignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.wizard import on, sandbox_wizard, screen_text, wait_for


@pytest.fixture(autouse=True)
def _no_pending() -> Iterator[None]:
    yield
    secrets.clear_pending()


def value(app: AlloyApp, widget_id: str) -> str:
    return str(app.screen.query_one(f"#{widget_id}", Input | ChoiceList).value)


async def test_smtp_and_exchange_server_fields_come_filled_in() -> None:
    async with sandbox_wizard() as (sb, app, pilot):
        assert "From svc-alerts@contoso.example" in screen_text(app)  # the guide says it
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("down", "enter")  # SMTP
        await wait_for(pilot, lambda: on(app, SmtpServerScreen), what="SMTP server")
        await pilot.pause()
        assert value(app, "host") == sb.smtp_host == "127.0.0.1"
        assert value(app, "port") == str(sb.smtp_port)
        assert value(app, "security") == "starttls"
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, SmtpSignInScreen), what="SMTP sign-in")
        await pilot.pause()
        assert value(app, "username") == guide.SMTP_USER
        assert value(app, "pw-value") == ""  # the password is the admin's to type
        field = app.screen.query_one("#pw-value", Input)
        field.value = sb.ews_basic_users[guide.SMTP_USER]
        await pilot.pause()
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, TrialSendScreen), what="the test step")
        app.screen.query_one("#to", Input).value = "ops@example.com"
        await pilot.press("ctrl+t")
        await wait_for(
            pilot,
            lambda: "Test message has been sent" in screen_text(app),
            timeout=20,
            what="the test message",
        )
        sent = [m for m in sb.messages() if m.to == ("ops@example.com",)]
        assert [(m.account, m.from_address) for m in sent] == [(guide.SMTP_USER, guide.SMTP_USER)]
        # Back to the service choice: Exchange Server comes filled in too
        for screen in (SmtpSignInScreen, SmtpServerScreen, ServiceScreen):
            await pilot.press("escape")
            await wait_for(pilot, lambda s=screen: on(app, s), what=screen.__name__)  # type: ignore[misc]
        await pilot.press("down", "enter")  # Exchange Server
        await wait_for(pilot, lambda: on(app, ExchangeServerScreen), what="Exchange")
        await pilot.pause()
        assert value(app, "ews_url") == sb.ews_endpoint
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, ExchangeAccountScreen), what="its account")
        await pilot.pause()
        assert value(app, "username") == guide.EXCHANGE_SERVER_USER == "CONTOSO\\svc-alerts"
        assert value(app, "from") == guide.EXCHANGE_SERVER_FROM  # DOMAIN\user: From needed
        assert "✓ looks right" in str(app.screen.query_one("#from-check").content)
        # Exchange Online sends From the signed-in account: it never inherits that From
        for screen in (ExchangeServerScreen, ServiceScreen):
            await pilot.press("escape")
            await wait_for(pilot, lambda s=screen: on(app, s), what=screen.__name__)  # type: ignore[misc]
        await pilot.press("up", "up", "enter")
        await wait_for(pilot, lambda: not on(app, ServiceScreen), what="Exchange Online")
        assert app.state.draft.service == "exchange-online"
        assert app.state.draft.message.default_from == ""


async def test_no_sandbox_no_prefill(tmp_path: object) -> None:
    from pathlib import Path

    app = AlloyApp(Path(str(tmp_path)) / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        await pilot.pause()
        assert value(app, "host") == "" and app.state.draft.smtp.username == ""
