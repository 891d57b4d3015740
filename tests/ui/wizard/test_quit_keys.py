"""Quitting the wizard: Ctrl+C is ^Q, and a sign-in made in the wizard is an unsaved change."""

from __future__ import annotations

from pathlib import Path

from alloy_tui.sandbox import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from tests.helpers.wizard import (
    change_to_smtp,
    endpoints_toml,
    existing,
    on,
    screen_text,
    to_registration,
    wait_for,
)


async def test_ctrl_c_quits_at_once_when_nothing_changed(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0
    assert app.return_value is None


async def test_ctrl_c_asks_like_ctrl_q_when_something_is_unsaved(tmp_path: Path) -> None:
    path = existing(tmp_path)
    before = path.read_bytes()
    app = AlloyApp(path)
    async with app.run_test() as pilot:
        await change_to_smtp(app, pilot)  # the draft now differs from the file
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: on(app, ConfirmQuitScreen), what="the quit question")
        assert "Quit without saving?" in screen_text(app)
        await pilot.press("y")
    assert app.return_value is None and path.read_bytes() == before


async def test_quit_right_after_signing_in_asks_first(tmp_path: Path) -> None:
    with Sandbox(auto_approve_after=0) as sb:
        path = existing(tmp_path, endpoints_toml(sb, tmp_path))
        app = AlloyApp(path)
        async with app.run_test() as pilot:
            await to_registration(app, pilot)
            await pilot.press("enter", "enter", "enter")  # tenant -> client id -> cloud -> on
            await wait_for(pilot, lambda: on(app, ApiScreen), what="API step")
            await pilot.press("enter")
            await wait_for(pilot, lambda: on(app, SignInScreen), what="sign-in step")
            await wait_for(
                pilot, lambda: "Signed in as" in screen_text(app), timeout=15, what="signed in"
            )
            assert app.state.changes() == []  # the config itself would not change
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: on(app, ConfirmQuitScreen), what="the quit question")
            assert "sign-in" in screen_text(app)
            await pilot.press("n")
            await wait_for(pilot, lambda: not on(app, ConfirmQuitScreen))
            assert app.is_running
