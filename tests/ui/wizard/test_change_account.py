"""Change account in the wizard keeps the old account until the new config is saved; a test
that went through survives Back while its settings stay the same; placeholders without colour.

Against the real sandbox (msal, httpx over HTTPS); nothing is mocked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from alloy_tui.core.config import store
from alloy_tui.core.mail.sending import send_test_message
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox.server import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.delegation_step import DelegationScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers import wizard
from tests.helpers.wizard import on, screen_text, wait_for

OLD = "alerts@contoso.example"
NEW = "ops@contoso.example"


@pytest.fixture
def path(sandbox: Sandbox, tmp_path: Path) -> Path:
    """A saved config naming OLD, signed in outside the wizard (what the cron job uses)."""
    return wizard.signed_in_config(sandbox, tmp_path, OLD)


def cached_usernames(tmp_path: Path) -> list[str]:
    data = json.loads((tmp_path / "token_cache.json").read_text())
    return sorted(a["username"] for a in data.get("Account", {}).values())


async def change_to_new_account(app: AlloyApp, pilot: Any, sb: Sandbox) -> None:
    """Edit mode up to the sign-in step, then Change (a) and sign in as NEW."""
    await wizard.to_signin_step(app, pilot)
    await wait_for(pilot, lambda: "Already signed in" in screen_text(app), what="cache check")
    assert OLD in screen_text(app)
    sb.auto_approve_account = NEW
    await pilot.press("a")
    await wait_for(
        pilot,
        lambda: "Signed in as" in screen_text(app) and NEW in screen_text(app),
        timeout=15,
        what="sign-in as the new account",
    )


async def test_change_account_then_quit_without_saving_keeps_the_old_account(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    before = path.read_text()
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await change_to_new_account(app, pilot, sandbox)
        await pilot.press("enter")  # Next: the draft now names NEW
        await wait_for(pilot, lambda: on(app, DelegationScreen), what="delegation step")
        await wizard.quit_without_saving(app, pilot)  # quit without saving
    assert path.read_text() == before  # the config still names OLD
    assert cached_usernames(tmp_path) == sorted([OLD, NEW])  # nothing was removed
    # `test-send` with the old config still works, as OLD (the account the config names).
    settings = store.load(path).settings
    assert settings.exchange_online.account == OLD
    send_test_message(settings, path, "bob@example.com", "")
    sent = sandbox.messages()[-1]
    assert sent.account == OLD and sent.to == ("bob@example.com",)


async def test_change_account_then_save_keeps_only_the_new_account_and_the_test_result(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await change_to_new_account(app, pilot, sandbox)
        assert cached_usernames(tmp_path) == sorted([OLD, NEW])  # not yet: nothing saved
        await pilot.press("enter")
        await wizard.send_from_delegation(app, pilot)
        assert "Test message has been sent" in screen_text(app)
        assert sandbox.messages()[-1].account == NEW

        # Back and forward again with the same settings: the result is kept.
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, DelegationScreen), what="back to delegation")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen), what="test step again")
        assert "Test message has been sent" in screen_text(app)
        await pilot.press("escape")  # Back from the test step, straight after the send
        await wait_for(pilot, lambda: on(app, DelegationScreen), what="back again")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        await wizard.to_review(app, pilot)
        text = screen_text(app)
        assert "A test message went through with these settings" in text
        assert "No test message went through" not in text
        assert cached_usernames(tmp_path) == sorted([OLD, NEW])

        await pilot.press("enter")  # save
        await wait_for(pilot, lambda: on(app, DoneScreen), what="saved")
        assert "No test message went through" not in screen_text(app)
        assert cached_usernames(tmp_path) == [NEW]  # the old account left with the save
    settings = store.load(path).settings
    assert settings.exchange_online.account == NEW
    send_test_message(settings, path, "bob@example.com", "")
    assert sandbox.messages()[-1].account == NEW
    old = settings.with_section("exchange_online", account=OLD)
    assert SignIn(old, path).current_account() is None


async def test_a_changed_setting_drops_the_earlier_test_result(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wizard.to_signin_step(app, pilot)
        await wait_for(pilot, lambda: "Already signed in" in screen_text(app))
        await pilot.press("enter")
        await wizard.send_from_delegation(app, pilot)
        assert app.state.test_passed
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, DelegationScreen))
        await pilot.press("space")  # delegation on: a setting the send depends on
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, TrialSendScreen))
        assert app.state.draft.exchange_online.from_delegation
        assert "Test message has been sent" not in screen_text(app)
        assert app.state.test_result is None  # dropped: sent with other settings
        await wizard.to_review(app, pilot)
        assert "No test message went through" in screen_text(app)


async def test_placeholder_looks_different_from_a_typed_value_without_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    path = tmp_path / "cfg" / "config.toml"
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        empty, typed = (
            app.screen.query_one("#tenant", Input),
            app.screen.query_one("#client_id", Input),
        )
        assert empty.placeholder and not empty.value
        typed.value = "contoso.example"
        await pilot.pause()

        def line_styles(field: Input, text: str) -> list[Any]:
            styles = []
            for y in range(field.size.height):
                for seg in field.render_line(y):
                    if seg.text.strip() and seg.text.strip() in text and seg.style is not None:
                        styles.append(seg.style)
            return styles

        placeholder = line_styles(empty, empty.placeholder)
        value = line_styles(typed, typed.value)
        assert placeholder and value
        assert all(s.italic for s in placeholder)
        assert not any(s.italic for s in value)
        assert empty.get_component_styles("input--placeholder").text_style.italic
        assert empty.get_component_styles("input--placeholder").text_style.dim
