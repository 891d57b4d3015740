"""Nothing a sender or a server chose reaches the terminal raw from a Textual screen: the queue
screen (rows and a message's details), the alert-log screen (rows and an entry's details, old
hostile lines included), the wizard's explanation panel after a test send a hostile server
refused, and the wizard's sign-in with a hostile display name from the identity provider. The mail goes in through the real `sendmail`; what is checked is the frame exactly as
Textual would write it to the terminal: no control character, no escape sequence but Textual's
own CSI, no `]0;...` leftover, and Rich markup shown as text, never obeyed (no OSC 8 link)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from alloy_tui.core.config import load_or_default
from alloy_tui.sandbox.server import DEFAULT_ACCOUNT, Sandbox
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.dialogs import DetailsScreen, TextScreen
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.queue.app import QueueApp
from alloy_tui.ui.queue.screen import QueueScreen
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen, SmtpSignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.alertlog_screen import ready, rows
from tests.helpers.hostile_text import (
    HOSTILE_LINE,
    MARKUP,
    HostileSmtpServer,
    frame,
    hostile_outbox,
    old_log_lines,
    screen_leaks,
)
from tests.helpers.queue_screen import until
from tests.helpers.wizard import (
    endpoints_toml,
    existing,
    on,
    screen_text,
    to_registration,
    wait_for,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("hostile-screens")
    config, qid = hostile_outbox(folder)
    with (folder / "alert_log.jsonl").open("a", encoding="utf-8") as f:
        f.write(old_log_lines())
    return folder, config, qid


async def test_the_queue_screen_and_a_message_s_details(
    hostile: tuple[Path, Path, str],
) -> None:
    _, config, qid = hostile
    app = QueueApp(load_or_default(config).settings, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, QueueScreen))
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await until(pilot, lambda: screen.view.order == [qid])
        await pilot.pause()
        shown = frame(app)
        assert "Disk" in shown and "full" in shown and "evil" in shown
        assert screen_leaks(shown) == []
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextScreen))
        await pilot.pause()
        body = str(app.screen.query_one("#details-body").render())
        assert f"Message {qid}" in body and "X-Raw: abcd" in body and "Why:" in body
        assert screen_leaks(frame(app)) == []


async def test_the_alert_log_screen_and_an_entry_s_details(
    hostile: tuple[Path, Path, str],
) -> None:
    folder, _, _ = hostile
    app = AlertLogApp(folder / "alert_log.jsonl")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        drawn = rows(app)
        assert any("mail.deferred" in r for r in drawn) and any("Disk" in r for r in drawn)
        assert screen_leaks(frame(app)) == []
        for row in range(len(drawn)):  # every entry's details: old lines, the runner's, garbage
            app.screen.view.move_to(row)  # type: ignore[attr-defined]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DetailsScreen))
            await pilot.pause()
            assert screen_leaks(frame(app)) == [], row
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, DetailsScreen))


async def _type_into(pilot: Pilot[object], widget_id: str, text: str) -> None:
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.focus()
    field.value = text
    await pilot.pause()


async def _wait_for(pilot: Pilot[object], cls: type, timeout: float = 15.0) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, cls), timeout)


async def test_the_wizard_s_explanation_panel_after_a_hostile_refusal(tmp_path: Path) -> None:
    config = Path(os.environ["ALLOY_TUI_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('service = "smtp"\n[smtp]\nsecurity = "none"\n[network]\ntimeout = 10\n')
    with HostileSmtpServer(rcpt_code="554 5.7.1") as server:
        app = AlloyApp(config)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("enter")  # welcome
            await pilot.pause()
            if app.state.draft.service != "smtp":
                await pilot.press("down")
            await pilot.press("enter")  # service: an SMTP server
            await _wait_for(pilot, SmtpServerScreen)
            await _type_into(pilot, "host", "127.0.0.1")
            app.screen.query_one("#security").focus()
            await _type_into(pilot, "port", str(server.port))
            await pilot.press("ctrl+n")
            await _wait_for(pilot, SmtpSignInScreen)
            await _type_into(pilot, "username", "")
            await _type_into(pilot, "from", "noc@contoso.test")
            await pilot.press("ctrl+n")
            await _wait_for(pilot, TrialSendScreen)
            await _type_into(pilot, "to", "ops@contoso.test")
            await pilot.press("enter")  # sends
            panel = app.screen.query_one("#send-error", ExplanationPanel)
            await until(pilot, lambda: panel.display and "Disk" in str(panel.render()), 30)
            await pilot.pause()
            text = str(panel.render())
            assert "554" in text and "evil" in text
            assert MARKUP in text  # shown as written, not obeyed
            assert screen_leaks(frame(app)) == []


async def test_the_wizard_s_sign_in_shows_a_hostile_display_name_clean(tmp_path: Path) -> None:
    """The account's display name comes from the identity provider's id token."""
    with Sandbox(workdir=tmp_path / "sb", auto_approve_after=0.2) as sb:
        sb.add_mailbox(DEFAULT_ACCOUNT, name=HOSTILE_LINE)
        app = AlloyApp(existing(tmp_path, endpoints_toml(sb, tmp_path)))
        async with app.run_test(size=(120, 40)) as pilot:
            await to_registration(app, pilot)
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: on(app, ApiScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=20)
            await pilot.pause()
            assert "Signed in as Disk" in screen_text(app)
            assert MARKUP in screen_text(app)  # shown as written, not obeyed
            assert screen_leaks(frame(app)) == []
