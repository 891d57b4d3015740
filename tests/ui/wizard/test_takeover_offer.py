"""The welcome step's "Take over the settings of <relay>" on a first run: the relay's settings go
into the draft (the password pending, in memory), the usual steps follow prefilled, and a real
test send and save put the password into the 0600 secrets file only. "Set up from scratch" and
a server without a relay leave the wizard as it was."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen, SmtpSignInScreen
from alloy_tui.ui.wizard.takeover_offer import TakeoverOffer
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.exchange_server_wizard import wait_for
from tests.helpers.smtp_server import SmtpServer
from tests.helpers.wizard import save_after_test_step, screen_text

USER = "relay-user@contoso.test"
PASSWORD = "Fx-Wizard-Takeover-Pw-13"


@pytest.fixture(autouse=True)
def _no_pending() -> Iterator[None]:
    yield
    secrets.clear_pending()


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def ssmtp_tree(tmp_path: Path, port: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ssmtp relay (ssmtp.conf(5)) to a plain SMTP server on 127.0.0.1 that wants a login."""
    root = tmp_path / "relay-root"
    conf = root / "etc/ssmtp/ssmtp.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "# sSMTP\nroot=ops@contoso.test\n"
        f"mailhub=127.0.0.1:{port}\nAuthUser={USER}\nAuthPass={PASSWORD}\n"
    )
    monkeypatch.setenv("ALLOY_TUI_RELAY_ROOT", str(root))
    return root


async def settle(pilot: Pilot[object], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if not [w for w in pilot.app.workers if w.group == "test-send" and w.is_running]:
            await pilot.pause()
            return
    raise AssertionError("workers still running")


async def test_take_over_then_test_send_and_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpServer(tmp_path, "none", users={USER: PASSWORD}, auth_required=True) as server:
        ssmtp_tree(tmp_path, server.port, monkeypatch)
        app = AlloyApp(config_path())
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "This server already sends mail through ssmtp (/etc/ssmtp/ssmtp.conf)." in text
            assert app.screen.query(TakeoverOffer)
            await pilot.press("enter")  # "Take over the settings of ssmtp" is chosen
            await wait_for(pilot, ServiceScreen)
            draft = app.state.draft
            assert (draft.service, draft.smtp.host, draft.smtp.port) == (
                "smtp",
                "127.0.0.1",
                server.port,
            )
            assert draft.sendmail.admin == "ops@contoso.test"
            assert secrets.pending_password("smtp", USER) == PASSWORD
            assert not secrets.secrets_path().exists()  # nothing on disk before Save
            await pilot.press("enter")  # service: SMTP server (chosen)
            await wait_for(pilot, SmtpServerScreen)
            assert app.screen.query_one("#host", Input).value == "127.0.0.1"
            await pilot.press("ctrl+n")
            await wait_for(pilot, SmtpSignInScreen)
            assert app.screen.query_one("#username", Input).value == USER
            await pilot.press("ctrl+n")
            await wait_for(pilot, TrialSendScreen)
            field = app.screen.query_one("#to", Input)
            field.focus()
            field.value = "ops@contoso.test"
            await pilot.press("enter")
            await settle(pilot)
            assert len(server.messages) == 1 and server.messages[0].login == USER
            await save_after_test_step(app, pilot)
    assert PASSWORD not in config_path().read_text()
    assert secrets.load_password("smtp", USER) == PASSWORD
    assert stat.S_IMODE(secrets.secrets_path().stat().st_mode) == 0o600


async def test_set_up_from_scratch_uses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ssmtp_tree(tmp_path, 2525, monkeypatch)
    app = AlloyApp(config_path())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # "Set up from scratch"
        await wait_for(pilot, ServiceScreen)
        assert app.state.draft.service == "exchange-online"
        assert app.state.draft.smtp.host == ""
        assert secrets.pending_password("smtp", USER) is None


async def test_no_relay_no_offer() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert not app.screen.query(TakeoverOffer)
        assert "already sends mail through" not in screen_text(app)
