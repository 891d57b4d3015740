"""The whole wizard against a real sandbox (msal, httpx, exchangelib over HTTPS, nothing mocked)."""

from __future__ import annotations

from pathlib import Path

from alloy_tui.core.config import store
from alloy_tui.sandbox.server import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.delegation_step import DelegationScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.wizard import (
    endpoints_toml,
    existing,
    on,
    save_after_test_step,
    screen_text,
    set_input,
    to_review,
    to_signin_step,
    wait_for,
)


async def _to_signed_in(app: AlloyApp, pilot: object, sb: Sandbox, *, ews: bool = False) -> None:
    await wait_for(pilot, lambda: on(app, WelcomeScreen), what="welcome")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, ServiceScreen), what="service step")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, RegistrationScreen), what="registration step")
    set_input(app, "#tenant", sb.tenant)
    set_input(app, "#client_id", sb.client_id)
    await pilot.press("enter", "enter")  # client id -> cloud -> on
    await wait_for(pilot, lambda: on(app, ApiScreen), what="API step")
    if ews:
        await pilot.press("down")
        await wait_for(
            pilot, lambda: "EWS" in screen_text(app) and "1 Apr 2027" in screen_text(app)
        )
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, SignInScreen), what="sign-in step")
    await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=15, what="sign-in")
    assert "alerts@contoso.example" in screen_text(app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, DelegationScreen), what="delegation step")


async def _send(app: AlloyApp, pilot: object, to: str, from_address: str | None = None) -> None:
    set_input(app, "#to", to)
    if from_address is not None:
        set_input(app, "#from", from_address)
    await pilot.press("ctrl+t")
    await wait_for(pilot, lambda: not app.screen.sending, timeout=15, what="the send to finish")


async def _save_and_quit(app: AlloyApp, pilot: object, path: Path) -> None:
    await save_after_test_step(app, pilot)
    assert f"Settings saved to {path}" in screen_text(app)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.return_value is not None or not app.is_running, what="exit")


async def test_graph_with_delegation_denied_then_allowed(
    sandbox: Sandbox, sandbox_config: Path
) -> None:
    app = AlloyApp(sandbox_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_signed_in(app, pilot, sandbox)
        await pilot.press("space")  # delegation on
        assert "on behalf of" in screen_text(app) and "Delegate Access" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen), what="test step")

        # ceo@ has not granted Send On Behalf: explained, with who must grant it
        await _send(app, pilot, "bob@example.com", "ceo@contoso.example")
        text = screen_text(app)
        assert "ErrorSendAsDenied" in text and "ceo@contoso.example" in text
        assert "Why:" in text and "Fix:" in text and "alert log" in text
        assert app.screen.result is None

        # helpdesk@ has: sent on its behalf
        await _send(app, pilot, "bob@example.com", "helpdesk@contoso.example")
        text = screen_text(app)
        assert "Test message has been sent" in text, text
        assert "alerts@contoso.example on behalf of helpdesk@contoso.example" in text
        sent = sandbox.messages()
        assert len(sent) == 1 and sent[0].to == ("bob@example.com",)
        await _save_and_quit(app, pilot, sandbox_config)
    assert app.return_value == sandbox_config
    saved = store.load(sandbox_config)
    eo = saved.settings.exchange_online
    assert (eo.tenant, eo.client_id, eo.api) == (sandbox.tenant, sandbox.client_id, "graph")
    assert eo.from_delegation is True and eo.account == "alerts@contoso.example"
    assert "a comment the wizard must keep" in sandbox_config.read_text()


async def test_ews_without_delegation(sandbox: Sandbox, sandbox_config: Path) -> None:
    app = AlloyApp(sandbox_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_signed_in(app, pilot, sandbox, ews=True)
        assert "Off: every notification is From alerts@contoso.example" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen), what="test step")
        assert not app.screen.query("#from"), "no From field without delegation"
        await _send(app, pilot, "ops@contoso.example")
        assert "Test message has been sent" in screen_text(app), screen_text(app)
        assert "Exchange Web Services" in screen_text(app)
        assert [m.to for m in sandbox.messages()] == [("ops@contoso.example",)]
        await _save_and_quit(app, pilot, sandbox_config)
    assert store.load(sandbox_config).settings.exchange_online.api == "ews"


async def test_edit_mode_already_signed_in_keeps_comments(sandbox: Sandbox, tmp_path: Path) -> None:
    from alloy_tui.core.signin.client import SignIn

    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir()
    path.write_text(endpoints_toml(sandbox, tmp_path, ids=True), encoding="utf-8")
    # sign in outside the wizard first (the cron job's view of the same cache)
    import threading

    signin = SignIn(store.load(path).settings, path)
    signin.start_device_flow()
    account = signin.wait_for_device_flow(threading.Event())
    before = path.read_text()

    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "Edit mode" in text and sandbox.client_id in text
        await to_signin_step(app, pilot)
        await wait_for(pilot, lambda: "Already signed in" in screen_text(app), what="cache check")
        assert app.screen.device_code is None, "no device flow when already signed in"
        assert account.username in screen_text(app)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        await to_review(app, pilot)
        text = screen_text(app)
        assert "No test message went through" in text
        assert "exchange_online.account" in text  # the one change: the account is now recorded
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, DoneScreen))
    after = path.read_text()
    assert after.startswith("# alerts for this server (a comment the wizard must keep)")
    assert 'account = "alerts@contoso.example"' in after
    assert before.replace("\n", "") in after.replace("\n", "").replace(
        'account = "alerts@contoso.example"', ""
    )


async def test_sign_in_cancelled_then_approved(tmp_path: Path) -> None:
    with Sandbox(workdir=tmp_path / "sb", auto_approve_after=None) as sb:
        path = existing(tmp_path, endpoints_toml(sb, tmp_path))
        app = AlloyApp(path)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(6):  # welcome, service, tenant, client id, cloud, API
                await pilot.press("enter")
                await pilot.pause(0.05)
            await wait_for(pilot, lambda: on(app, SignInScreen))
            await wait_for(pilot, lambda: app.screen.phase == "waiting", what="a code")
            first = app.screen.device_code
            await pilot.press("x")
            await wait_for(pilot, lambda: "Sign-in cancelled" in screen_text(app))
            await wait_for(  # the waiting thread stops within about a second: its Event is set
                pilot,
                lambda: not any(w.group == "signin" and w.is_running for w in app.workers),
                timeout=5,
                what="the sign-in thread to stop",
            )
            await pilot.press("enter")
            assert on(app, SignInScreen) and "Not signed in yet" in screen_text(app)
            await pilot.press("r")
            await wait_for(pilot, lambda: app.screen.phase == "waiting", what="a new code")
            second = app.screen.device_code
            assert second is not None and first is not None and second.user_code != first.user_code
            sb.approve(second.user_code)
            await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=15)


async def test_sign_in_expired_explained_then_retried(
    sandbox: Sandbox, sandbox_config: Path
) -> None:
    sandbox.set_scenario("device_code_expired")
    app = AlloyApp(sandbox_config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        set_input(app, "#tenant", sandbox.tenant)
        set_input(app, "#client_id", sandbox.client_id)
        await pilot.press("enter", "enter")  # client id -> cloud -> on
        await wait_for(pilot, lambda: on(app, ApiScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        await wait_for(pilot, lambda: app.screen.phase == "failed", timeout=15, what="expiry")
        text = screen_text(app)
        assert "expired" in text.lower() and "Fix:" in text
        sandbox.clear_scenarios()
        await pilot.press("r")
        await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=15)
