"""The wizard's "Local mail for this server" step (after the test): the admin address, the
command that makes alloy-tui the server's sendmail with ^Y, and the Done step's queue lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from alloy_tui.scripts import link_command, sendmail_script
from alloy_tui.ui.wizard import flow
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.local_mail_step import (
    LocalMail,
    LocalMailScreen,
    apply,
    sendmail_command,
    sendmail_now,
)
from alloy_tui.ui.wizard.review_step import ReviewScreen
from tests.helpers.wizard import OneStep, on, screen_text, set_input, wait_for


def config(
    tmp_path: Path, text: str = 'service = "smtp"\n[smtp]\nhost = "mail.example.com"\n'
) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_step_comes_after_the_test_numbered_and_listed() -> None:
    from alloy_tui.ui.wizard.state import WizardState

    state = WizardState(Path("x.toml"))
    steps = flow.steps_for(state)
    keys = [s.key for s in steps]
    assert keys[keys.index("test") + 1] == "local_mail"
    assert keys[keys.index("local_mail") + 1] == "review"
    # "Step 6 of 8" -> "Step 7 of 8: Local mail ..." -> "Step 8 of 8", and in the step list
    progress = flow.progress_for(steps, "local_mail", state)
    assert progress.titles[progress.index] == "Local mail"
    assert flow.progress_for(steps, "test", state).index + 1 == progress.index
    assert flow.progress_for(steps, "review", state).index == progress.index + 1
    assert progress.index + 1 < len(progress.titles) == 8


async def test_shows_the_command_copies_it_and_takes_the_address(tmp_path: Path) -> None:
    app = OneStep(config(tmp_path), "local_mail", LocalMailScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen), what="local mail step")
        text = screen_text(app)
        assert "Local mail for this server" in text
        assert sendmail_command() in text and "alloy-sendmail" in sendmail_command()
        assert sendmail_now() in text
        assert app.screen.focused is app.screen.query_one("#admin", Input)
        await pilot.press("ctrl+y")
        assert app.clipboard == sendmail_command()
        set_input(app, "#admin", "not an address")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert on(app, LocalMailScreen) and app.results == []
        assert "✗" in screen_text(app)
        set_input(app, "#admin", "Ops@Contoso.example")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.results != [], what="the step to finish")
    assert app.results == [LocalMail("Ops@contoso.example")]


async def test_empty_address_skips(tmp_path: Path) -> None:
    app = OneStep(config(tmp_path), "local_mail", LocalMailScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.results != [])
    assert app.results == [LocalMail("")]


async def test_saved_admin_is_shown_again_and_reviewed(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        'service = "smtp"\n[smtp]\nhost = "mail.example.com"\n[sendmail]\nadmin = "old@contoso.example"\n',
    )
    app = OneStep(path, "local_mail", LocalMailScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen))
        assert app.screen.query_one("#admin", Input).value == "old@contoso.example"

    review = OneStep(
        path, "review", ReviewScreen, lambda s: apply(s, LocalMail("new@contoso.example"))
    )
    async with review.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: on(review, ReviewScreen))
        assert "new@contoso.example" in screen_text(review)


def test_update_alternatives_where_the_system_uses_them(tmp_path: Path) -> None:
    link = tmp_path / "sendmail"
    link.symlink_to("/etc/alternatives/mta")
    assert (
        sendmail_command(link) == f"update-alternatives --install {link} mta {sendmail_script()} 90"
    )
    plain = tmp_path / "plain"
    plain.symlink_to("exim4")
    assert sendmail_command(plain) == link_command()
    assert sendmail_command(tmp_path / "missing") == link_command()
    assert "does not exist yet" in sendmail_now(tmp_path / "missing")
    mine = tmp_path / "bin" / "alloy-sendmail"
    mine.parent.mkdir()
    mine.write_text("#!/bin/sh\n")
    (tmp_path / "ours").symlink_to(mine)
    assert sendmail_now(tmp_path / "ours", mine).startswith("✓")


def test_another_installations_sendmail_is_not_taken_for_this_one(tmp_path: Path) -> None:
    """The ✓ is for THIS installation's script only: a link to another alloy-tui (an old
    virtualenv, a --user install) is said to be another's, and the command links this one."""
    other = tmp_path / "old-venv" / "bin" / "alloy-sendmail"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\n")
    mine = tmp_path / "venv" / "bin" / "alloy-sendmail"
    mine.parent.mkdir(parents=True)
    mine.write_text("#!/bin/sh\n")
    link = tmp_path / "sendmail"
    link.symlink_to(other)
    said = sendmail_now(link, mine)
    assert not said.startswith("✓") and "another alloy-tui installation" in said
    assert str(other) in said and str(mine) in said
    assert "no alloy-sendmail script" in sendmail_now(link, None)
    via = tmp_path / "via-alternatives"  # a chain of links that ends at this one's script
    (tmp_path / "mta").symlink_to(mine)
    via.symlink_to(tmp_path / "mta")
    assert sendmail_now(via, mine).startswith("✓")


async def test_done_step_says_how_to_watch_the_queue(tmp_path: Path) -> None:
    app = OneStep(config(tmp_path), "done", DoneScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, DoneScreen))
        text = screen_text(app)
    assert "alloy-tui queue list" in text and "mailq" in text


async def test_sandbox_says_not_to_run_the_command_yet(tmp_path: Path) -> None:
    def in_sandbox(state: Any) -> None:
        state.sandbox = object()

    app = OneStep(config(tmp_path), "local_mail", LocalMailScreen, in_sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen))
        assert "Sandbox: this config is thrown away" in screen_text(app)


async def test_shows_where_programs_that_speak_smtp_point(tmp_path: Path) -> None:
    from alloy_tui.ui.wizard.local_mail_step import SMTP_NOTE

    app = OneStep(config(tmp_path), "local_mail", LocalMailScreen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen), what="local mail step")
        note = app.screen.query_one("#smtpd-note")
        assert note.display
        for needed in ("alloy-tui smtpd", "host = 127.0.0.1:2525", "smarthost", "Zabbix"):
            assert needed in SMTP_NOTE


async def test_help_explains_system_mode_at_80x24(tmp_path: Path) -> None:
    app = OneStep(config(tmp_path), "local_mail", LocalMailScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: "setup-system" in screen_text(app), what="the help")
        text = screen_text(app)
        assert "other users (www-data, backup) send" in text
        assert "through the maildrop; `alloy-tui setup-system` makes it" in text
