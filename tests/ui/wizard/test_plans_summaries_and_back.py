"""Follow-up fixes to the wizard: the plan follows the service, the review speaks in words, what
was typed survives Back, the test step tells the truth per service, Enter and the footer agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.smtp_server import SmtpServer
from tests.helpers.wizard import OneStep, on, screen_text, wait_for


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def heading(app: AlloyApp) -> str:
    return str(app.screen.query_one(".step-heading").content)


async def test_welcome_lists_the_steps_of_the_configured_service(tmp_path: Path) -> None:
    path = config(tmp_path, 'service = "smtp"\n\n[smtp]\nhost = "mail.example.com"\n')
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        plan = str(app.screen.query_one("#plan").content)
        assert plan.startswith("The 6 steps:")
        assert "Choose e-mail service > SMTP server > Sign-in and From > Test" in plan
        assert "Sign in" not in plan.replace("Sign-in", "") and "API" not in plan
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        assert heading(app).startswith("Step 1 of 6")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        assert heading(app).startswith("Step 2 of 6")


async def test_new_config_plan_follows_the_service_chosen(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "none" / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "8. Review the changes and save them." in text
        assert "Choose the API" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("down", "down", "enter")  # Exchange Server
        await wait_for(pilot, lambda: heading(app).startswith("Step 2 of 6"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "Exchange Server (on-premises)" in text
        assert "6. Review the changes and save them." in text
        assert "Choose the API" not in text and "7." not in text
        assert isinstance(app.screen.focused, Input | None)


LONG_URL = "https://exchange-2019-mailbox-server.internal.corp.contoso.example/EWS/Exchange.asmx"


async def test_review_shows_choices_in_words_and_long_values_readably(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        'service = "smtp"\n\n[smtp]\nhost = "mail.example.com"\nsecurity = "starttls"\n'
        '\n[exchange_server]\nauth = "basic"\n',
    )

    def prepare(state: Any) -> None:
        state.draft = state.draft.with_section("smtp", security="ssl", port=465)
        state.draft = state.draft.with_section(
            "exchange_server", ews_endpoint=LONG_URL, auth="ntlm"
        )

    app = OneStep(path, "review", ReviewScreen, prepare)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, ReviewScreen))
        text = screen_text(app)
        assert "Security:       SSL/TLS" in text
        changes = str(app.screen.query_one("#changes").content).splitlines()
        at = changes.index("  ~ smtp.security")
        assert changes[at + 1].strip() == "STARTTLS  ->  SSL/TLS"
        at = changes.index("  ~ exchange_server.auth")
        assert changes[at + 1].strip() == "Basic  ->  NTLM"
        at = changes.index("  ~ exchange_server.ews_endpoint")
        assert changes[at + 1].strip() == "was: (not set)"
        assert changes[at + 2].strip() == f"now: {LONG_URL}"
        for raw in ("starttls", "ssl ", "basic", "ntlm"):
            assert raw not in "\n".join(changes)


def shown(app: AlloyApp, widget_id: str) -> str:
    widget = app.screen.query_one(f"#{widget_id}", Static)
    return str(widget.content) if widget.display else ""


async def send_test(pilot: Any, to: str = "ops@contoso.test") -> None:
    app = pilot.app
    await wait_for(pilot, lambda: on(app, TrialSendScreen))
    app.screen.query_one("#to", Input).value = to
    await pilot.press("ctrl+t")
    await wait_for(
        pilot, lambda: shown(app, "sent") or shown(app, "send-error"), 15, "the send's result"
    )


async def test_sent_smtp_relay_without_sign_in(tmp_path: Path) -> None:
    """An internal relay: the From is the From (no "on behalf of"), nobody signed in."""
    with SmtpServer(tmp_path, "none") as server:
        path = config(
            tmp_path,
            f'service = "smtp"\n\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'security = "none"\n\n[message]\ndefault_from = "noc@contoso.test"\n',
        )
        app = OneStep(path, "test", TrialSendScreen, lambda s: None)
        async with app.run_test(size=(80, 24)) as pilot:
            await send_test(pilot)
            sent = shown(app, "sent")
            assert "Test message has been sent" in sent, shown(app, "send-error")
            assert "  From:     noc@contoso.test\n" in sent
            assert "on behalf" not in sent and ", as \n" not in sent
            assert (
                f"SMTP server 127.0.0.1:{server.port} (no encryption), without signing in" in sent
            )
            assert shown(app, "sent-warnings") == ""
        assert server.messages[0].login in (None, "")


async def test_sent_smtp_warns_the_password_went_unencrypted(
    tmp_path: Path, _no_pending: None
) -> None:
    user, password = "alerts@contoso.test", "Plain-Text-Pass-1"
    with SmtpServer(tmp_path, "none", users={user: password}, auth_require_tls=False) as server:
        path = config(
            tmp_path,
            f'service = "smtp"\n\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'security = "none"\nusername = "{user}"\n',
        )
        secrets.set_pending("smtp", user, password)
        app = OneStep(path, "test", TrialSendScreen, lambda s: None)
        async with app.run_test(size=(80, 24)) as pilot:
            await send_test(pilot)
            sent = shown(app, "sent")
            assert "sent, with a warning" in sent, shown(app, "send-error")
            assert f"From:     {user}\n" in sent and f"signed in as {user}" in sent
            warning = shown(app, "sent-warnings")
            assert "⚠ Warning: the password was sent over an unencrypted connection" in warning
            assert "Logged as a warning" in shown(app, "log-hint")
            assert password not in sent + warning


@pytest.mark.parametrize(
    ("username", "default_from", "expected_from"),
    [
        ("CONTOSO\\svc-alerts", "svc-alerts@contoso.example", "svc-alerts@contoso.example"),
        (
            "svc-alerts@contoso.example",
            "helpdesk@contoso.example",
            "svc-alerts@contoso.example on behalf of helpdesk@contoso.example",
        ),
    ],
)
async def test_sent_exchange_server_on_behalf_only_when_from_is_another_mailbox(
    tmp_path: Path, _no_pending: None, username: str, default_from: str, expected_from: str
) -> None:
    with Sandbox(workdir=tmp_path / "sb") as sandbox:
        if "helpdesk" in default_from:
            sandbox.grant_send_on_behalf("helpdesk@contoso.example", "svc-alerts@contoso.example")
        pw = sandbox.ews_basic_users[username]
        path = config(
            tmp_path,
            'service = "exchange-server"\n\n[exchange_server]\n'
            f'ews_endpoint = "{sandbox.ews_endpoint}"\nauth = "basic"\n'
            f"username = {json.dumps(username)}\n\n[message]\ndefault_from = {json.dumps(default_from)}\n"
            f'\n[network]\nca_bundle = "{sandbox.ca_path}"\ntimeout = 5\n',
        )
        secrets.set_pending("exchange-server", username, pw)
        app = OneStep(path, "test", TrialSendScreen, lambda s: None)
        async with app.run_test(size=(80, 24)) as pilot:
            await send_test(pilot, "ops@contoso.example")
            sent = shown(app, "sent")
            assert "Test message has been sent" in sent, shown(app, "send-error")
            assert f"  From:     {expected_from}\n" in sent
            assert f"Exchange Server (EWS), Basic, signed in as {username}" in sent
            assert f"Server:   {sandbox.ews_endpoint}" in sent


async def test_back_and_forward_keeps_what_was_typed(tmp_path: Path, _no_pending: None) -> None:
    from alloy_tui.ui.wizard.smtp_step import SmtpSignInScreen

    path = config(tmp_path, 'service = "smtp"\n')
    before = path.read_bytes()
    user, password = "alerts@contoso.test", "Typed-Once-77"
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        await pilot.press(*"relay.example.com")
        await pilot.press("escape")  # Back before Next: the host is kept
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        assert app.screen.query_one("#host", Input).value == "relay.example.com"
        await pilot.press("enter", "enter", "enter")  # host -> port -> security -> on
        await wait_for(pilot, lambda: on(app, SmtpSignInScreen))
        await pilot.press(*user)
        await pilot.pause()
        await pilot.press("tab", "tab")  # user name -> source -> password
        assert app.screen.focused is app.screen.query_one("#pw-value", Input)
        await pilot.press(*password, "tab", *"noc@contoso.test")
        await pilot.press("escape")  # Back: everything typed stays, the password in memory only
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        assert secrets.pending_password("smtp", user) == password
        assert not secrets.secrets_path().exists() and path.read_bytes() == before
        assert password not in repr(app.state.typed)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, SmtpSignInScreen))
        assert app.screen.query_one("#username", Input).value == user
        assert app.screen.query_one("#from", Input).value == "noc@contoso.test"
        assert app.screen.query_one("#pw-value", Input).value == ""
        await pilot.pause()
        assert "typed before is kept" in str(app.screen.query_one("#pw-check", Static).content)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        await pilot.press(*"ops@contoso.test")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, SmtpSignInScreen))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        assert app.screen.query_one("#to", Input).value == "ops@contoso.test"
        assert app.state.draft.smtp.username == user
        assert app.state.draft.smtp.host == "relay.example.com"
        await pilot.press("ctrl+q", "y")
    assert path.read_bytes() == before and not secrets.secrets_path().exists()


def footer_keys(app: AlloyApp) -> list[str]:
    """The footer's entries as "key description", as the admin reads them."""
    from textual.widgets._footer import FooterKey

    return [f"{k.key_display} {k.description}" for k in app.screen.query(FooterKey)]


async def test_enter_walks_the_smtp_and_exchange_server_fields(tmp_path: Path) -> None:
    """Like the registration and test steps: Enter moves to the next field (a choice list in the
    middle too), Enter in the last field goes on; the footer says which."""
    from alloy_tui.ui.wizard.exchange_server_step import (
        ExchangeAccountScreen,
        ExchangeServerScreen,
    )
    from alloy_tui.ui.wizard.smtp_step import SmtpSignInScreen

    path = config(tmp_path, 'service = "smtp"\n\n[smtp]\nhost = "relay.example.com"\n')
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        await pilot.pause()
        assert "Enter Next field" in footer_keys(app)
        await pilot.press("enter")
        assert app.screen.focused.id == "port"
        await pilot.press("enter")
        assert app.screen.focused.id == "security"
        await pilot.pause()
        assert "Enter Next" in footer_keys(app) and "Enter Next field" not in footer_keys(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SmtpSignInScreen))
        await pilot.press(*"alerts@contoso.test")
        await pilot.pause()
        walked = [app.screen.focused.id]
        for _ in range(3):
            await pilot.press("enter")
            walked.append(app.screen.focused.id)
        assert walked == ["username", "pw-source", "pw-value", "from"]
        assert on(app, SmtpSignInScreen)
        # the same on the Exchange Server steps
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("down", "ctrl+n")
        await wait_for(pilot, lambda: on(app, ExchangeServerScreen))
        await pilot.press("enter")
        assert app.screen.focused.id == "auth" and on(app, ExchangeServerScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ExchangeAccountScreen))
        await pilot.pause()
        assert "Enter Next field" in footer_keys(app)
        await pilot.press("enter")
        assert app.screen.focused.id == "pw-source" and on(app, ExchangeAccountScreen)


async def test_footer_tells_the_truth_on_sign_in_dialogs_and_test_step(tmp_path: Path) -> None:
    from alloy_tui.core.signin.client import Account
    from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen, HelpScreen
    from alloy_tui.ui.wizard.signin_step import SignInScreen

    app = AlloyApp(tmp_path / "none" / "config.toml", start_flow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.loaded is not None, what="the config read")
        # Sign in, nobody signed in yet: Enter cannot go on, so the footer does not offer it
        screen = SignInScreen(app.state, autostart=False)
        await app.push_screen(screen)
        await pilot.pause()
        keys = footer_keys(app)
        assert not [k for k in keys if k.endswith(" Next")], keys
        await pilot.press("enter")
        assert on(app, SignInScreen)
        assert "Not signed in yet" in str(screen.query_one("#status", Static).content)
        screen.show_account(Account("Alloy Alerts", "alerts@contoso.example", "x.y"))
        await pilot.pause()
        assert "Enter Next" in footer_keys(app)
        # the warning said while nobody was signed in went with its cause
        assert str(screen.query_one("#status", Static).content) == ""
        # a help dialog: its own keys, not the step's
        await pilot.press("f1")
        await wait_for(pilot, lambda: on(app, HelpScreen))
        await pilot.pause()
        keys = footer_keys(app)
        assert "Esc Close help" in keys
        assert not [k for k in keys if "Next" in k or "Alert log" in k or "Back" in k], keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        # the quit question: y, n and Esc, nothing else
        app.state.draft = app.state.draft.with_section("exchange_online", tenant="contoso.example")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, ConfirmQuitScreen))
        await pilot.pause()
        assert footer_keys(app) == ["y Quit without saving", "n/Esc Stay"]
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        # the test step: one clear entry for sending, Enter only where it does something else
        await app.push_screen(TrialSendScreen(app.state))
        await wait_for(pilot, lambda: "^T Send test" in footer_keys(app), what="the test footer")
        keys = footer_keys(app)
        assert "^T Send test" in keys
        assert not [k for k in keys if k.startswith("Enter")], keys
        app.state.draft = app.state.draft.with_section("exchange_online", from_delegation=True)
        await app.push_screen(TrialSendScreen(app.state))
        await wait_for(pilot, lambda: "^T Send test" in footer_keys(app), what="the test footer")
        keys = footer_keys(app)
        assert "^T Send test" in keys and "Enter Next field" in keys
        assert "Enter Send" not in keys
