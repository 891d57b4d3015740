"""What the wizard says matches what happens: Esc on the first step quits (and the footer says
so), the quit question counts what is being typed, the footer shows how to reach "Large
messages", a key letter never reads as a word, nothing claims to be saved before it is, and the
quit line is news, not an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import Input

from alloy_tui.core.signin import Account
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.choice import Tick
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.alertlog_screen import footer_text
from tests.helpers.wizard import existing, on, screen_text, to_registration, wait_for


async def test_esc_says_quit_on_the_first_step_and_back_after_it(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        await wait_for(pilot, lambda: "Esc" in footer_text(app), what="the footer")
        assert "Esc Quit" in footer_text(app) and "Esc Back" not in footer_text(app)
        await to_registration(app, pilot)
        await wait_for(pilot, lambda: "Esc Back" in footer_text(app), what="Esc Back")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, ServiceScreen), what="the service step")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, WelcomeScreen), what="the welcome")
        await pilot.press("escape")  # nothing before the first step: Esc quits, as it says
        await wait_for(pilot, lambda: not app.is_running, what="the wizard to quit")
    assert app.return_value is None


async def test_the_quit_question_counts_the_field_being_typed(tmp_path: Path) -> None:
    path = existing(tmp_path)
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_registration(app, pilot)
        await pilot.pause(0.2)
        assert app.state.unsaved() == []  # the draft is the file: nothing taken yet
        await pilot.press(*"-typo")  # typed into the tenant field, not taken (no Next yet)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, ConfirmQuitScreen), what="the quit question")
        text = screen_text(app)
        assert "1 unsaved change" in text and "being typed" in text, text
        assert "Directory (tenant) ID" in text
        await pilot.press("n")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        await pilot.press("ctrl+u")  # typed back to what it was: nothing to lose
        field = app.screen.query_one("#tenant", Input)
        field.value = "contoso.onmicrosoft.com"
        await pilot.pause()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="quit at once")
    assert path.read_text().startswith("# keep me")


async def test_footer_shows_the_way_to_large_messages(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await to_registration(app, pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, ApiScreen), what="the API step")
        await wait_for(pilot, lambda: "Tab Large messages" in footer_text(app), what="Tab")
        assert "↑↓ Choose" in footer_text(app)
        await pilot.press("tab")
        await wait_for(pilot, lambda: isinstance(app.focused, Tick), what="the tick")
        await wait_for(pilot, lambda: "Space Toggle" in footer_text(app), what="Space")
        assert "Tab Large messages" not in footer_text(app)
        await pilot.press("space")
        assert app.screen.query_one("#large", Tick).value is True
        await pilot.press("tab")  # Tab still goes round the fields from the tick
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#api"), what="api")
        await pilot.press("down")  # EWS: no large messages to reach
        await wait_for(pilot, lambda: "Large messages" not in footer_text(app), what="no Tab")


async def test_signed_in_words_name_the_key_not_an_article(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path), start_flow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state.loaded is not None)
        screen = SignInScreen(app.state, autostart=False)
        app.push_screen(screen, callback=lambda _r: None)
        await wait_for(pilot, lambda: on(app, SignInScreen) and screen.is_mounted)
        await pilot.pause()
        screen.show_account(Account("Alerts", "alerts@contoso.example", "x.y"))
        await pilot.pause()
        text = screen_text(app)
        assert "or A to sign in with another account" in text and "; a signs" not in text
        assert "A Change account" in footer_text(app)
        assert "press A to sign in with another account" in SignInScreen.HELP


def test_quit_line_is_news_without_the_error_prefix(tmp_path: Path) -> None:
    """The wizard quits after saving: stdout says so plainly (the `alloy-tui:` prefix is for
    errors on stderr). Run for real, with the saved path handed back by a wizard that saves."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from alloy_tui.ui import app as ui\n"
        "class Saving(ui.AlloyApp):\n"
        "    def run(self, *a, **k):\n"
        "        return Path(sys.argv[1])\n"
        "ui.AlloyApp = Saving\n"
        "ui.run_wizard(Path(sys.argv[1]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "config.toml")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Settings saved to {tmp_path / 'config.toml'}.\n"
    assert "alloy-tui:" not in out.stdout + out.stderr
