"""Follow-up fixes to the wizard: the plan follows the service, the review speaks in words, what
was typed survives Back, the test step tells the truth per service, Enter and the footer agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard import flow
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.ui.wizard_helpers import on, screen_text, wait_for


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class OneStep(AlloyApp):
    """One step on its own, after the config is read and `prepare` changed the draft."""

    def __init__(
        self, path: Path, key: str, make: Callable[[Any], Any], prepare: Callable[[Any], None]
    ) -> None:
        super().__init__(path, start_flow=False)
        self.key, self.make, self.prepare = key, make, prepare

    def load_config(self) -> None:
        super().load_config()
        self.prepare(self.state)
        screen = self.make(self.state)
        screen.progress = flow.progress_for(flow.steps_for(self.state), self.key, self.state)
        self.push_screen(screen, callback=lambda _r: None)


def heading(app: AlloyApp) -> str:
    return str(app.screen.query_one(".step-heading").content)


async def test_welcome_lists_the_steps_of_the_configured_service(tmp_path: Path) -> None:
    path = config(tmp_path, 'service = "smtp"\n\n[smtp]\nhost = "mail.example.com"\n')
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        plan = str(app.screen.query_one("#plan").content)
        assert plan.startswith("The 5 steps:")
        assert "2. SMTP server" in plan and "3. Sign-in and From" in plan
        assert "Sign in" not in plan.replace("Sign-in", "") and "API" not in plan
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        assert heading(app).startswith("Step 1 of 5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, SmtpServerScreen))
        assert heading(app).startswith("Step 2 of 5")


async def test_new_config_plan_follows_the_service_chosen(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "none" / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "7. Review the changes and save them." in text
        assert "Choose the API" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("down", "down", "enter")  # Exchange Server
        await wait_for(pilot, lambda: heading(app).startswith("Step 2 of 5"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, ServiceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "Exchange Server (on-premises)" in text
        assert "5. Review the changes and save them." in text
        assert "Choose the API" not in text and "6." not in text
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
