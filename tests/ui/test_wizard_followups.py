"""Follow-up fixes to the wizard: the plan follows the service, the review speaks in words, what
was typed survives Back, the test step tells the truth per service, Enter and the footer agree."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.ui.wizard_helpers import on, screen_text, wait_for


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
