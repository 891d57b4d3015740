"""Messages that outlive their cause: they go when the cause goes, and a refusal is seen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets import Input

from alloy_tui.sandbox import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.wizard import (
    TENANT,
    endpoints_toml,
    existing,
    on,
    screen_text,
    set_input,
    to_registration,
    wait_for,
)


def status(app: AlloyApp) -> str:
    return str(app.screen.query_one("#status").content)


async def test_fix_the_fields_first_goes_once_they_are_fixed(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        set_input(app, "#tenant", "not a tenant")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "Fix the fields" in status(app), what="the refusal")
        set_input(app, "#tenant", TENANT)
        await wait_for(pilot, lambda: status(app) == "", what="the refusal to go")


async def test_a_refused_next_is_seen_at_80x24(tmp_path: Path) -> None:
    """The status line sits below a long step; when it is out of view, the refusal is
    also shown where it is seen (a notification), so ^N never fails silently."""
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_registration(app, pilot)
        set_input(app, "#tenant", "not a tenant")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "Fix the fields" in status(app), what="the refusal")
        await pilot.pause(0.2)
        shown = [n.message for n in app._notifications]
        body = app.screen.query_one("#body")
        line = app.screen.query_one("#status")
        in_view = body.scroll_offset.y + body.scrollable_content_region.height >= (
            line.virtual_region.bottom
        )
        assert in_view or any("Fix the fields" in m for m in shown), shown


async def test_an_old_sent_box_goes_when_the_recipient_changes(tmp_path: Path) -> None:
    async with at_test_step(tmp_path) as (sb, app, pilot):
        set_input(app, "#to", "ops@contoso.example")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "has been sent" in screen_text(app), timeout=20)
        set_input(app, "#to", "ops@contoso.example@@")
        await pilot.pause(0.2)
        assert not app.screen.query_one("#sent").display
        assert "has been sent" not in screen_text(app)
        set_input(app, "#to", "ops@contoso.example")  # back to what was sent to
        await pilot.pause(0.2)
        assert app.screen.query_one("#sent").display


@asynccontextmanager
async def at_test_step(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, AlloyApp, Any]]:
    """The sandbox, and the wizard at 100x50 on its test step, signed in by keys."""
    with Sandbox(auto_approve_after=0) as sb:
        app = AlloyApp(existing(tmp_path, endpoints_toml(sb, tmp_path)))
        async with app.run_test(size=(100, 50)) as pilot:
            await flow_to_test(app, pilot)
            yield sb, app, pilot


async def flow_to_test(app: AlloyApp, pilot: object) -> None:
    """Welcome > service > registration > API > sign-in > delegation > test, by keys."""
    from alloy_tui.ui.wizard.signin_step import SignInScreen

    await to_registration(app, pilot)
    await pilot.press("enter", "enter", "enter", "enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: on(app, SignInScreen), what="sign-in step")
    await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=15)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: on(app, TrialSendScreen), what="test step")
    assert isinstance(app.screen.query_one("#to"), Input)


async def test_a_failed_test_send_says_what_to_press(tmp_path: Path) -> None:
    """The sign-in is gone (refresh token revoked): the fix is a key, not `alloy-tui login`."""
    async with at_test_step(tmp_path) as (sb, app, pilot):
        sb.expire_access_tokens()
        sb.revoke_refresh_tokens()
        set_input(app, "#to", "ops@contoso.example")
        await pilot.press("ctrl+t")
        panel = app.screen.query_one("#send-error")
        await wait_for(pilot, lambda: panel.display, timeout=20, what="the failure")
        text = str(panel.content)
    assert "Fix:" in text and "alloy-tui login" not in text, text
    assert "press r" in text, text


def test_every_login_fix_becomes_a_key() -> None:
    from alloy_tui.ui.wizard.fix_words import wizard_fix

    for fix in (
        "Run `alloy-tui login` (or choose Sign in / Change in the wizard) and complete it.",
        "Grant admin consent. Then run `alloy-tui login` again.",
        "Sign in again with `alloy-tui login` and complete the MFA prompt.",
        "1) Run `alloy-tui login` to sign in again. 2) Check the app.",
        "Check [smtp] host (`alloy-tui config show`), then run `alloy-tui test-send` again.",
    ):
        said = wizard_fix(fix)
        assert "alloy-tui login" not in said and "alloy-tui test-send" not in said, said
    assert wizard_fix("Run `alloy-tui login` again.", on_signin=True) == (
        "Press r to sign in again."
    )
    assert wizard_fix("then run `alloy-tui test-send` again.") == "then press ^T again."
