"""The wizard's SMTP path, driven by keys: server, sign-in, a real test send (aiosmtpd), save.

Also: bad input never moves on and never writes anything, the password lands only in the 0600
secrets file (never in config.toml), and a failing or missing password command is explained.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen, SmtpSignInScreen, check_host, check_port
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.exchange_server_wizard import send_error, send_test_to, settle, wait_for
from tests.helpers.smtp_server import QUEUE_ID, SmtpServer
from tests.helpers.wizard import save_after_test_step

USER = "alerts@contoso.test"
PASSWORD = "Wizard-Secret-42"


def config_path() -> Path:
    return Path(os.environ["ALLOY_TUI_CONFIG"])


def secrets_file() -> Path:
    return secrets.secrets_path()


def with_ca(ca_path: Path) -> Path:
    """An existing config that trusts the test CA (the wizard does not ask for ca_bundle)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'service = "smtp"\n\n[network]\nca_bundle = "{ca_path}"\ntimeout = 5\n')
    return path


async def to_smtp_server(pilot: Pilot[object]) -> None:
    await pilot.press("enter")  # welcome
    await pilot.pause()
    app = pilot.app
    if app.state.draft.service != "smtp":  # type: ignore[attr-defined]
        await pilot.press("down")
    await pilot.press("enter")  # service: SMTP server
    await wait_for(pilot, SmtpServerScreen)


async def type_into(pilot: Pilot[object], widget_id: str, text: str, *, keys: bool = False) -> None:
    """Focus a field and fill it: key by key when `keys`, else in one go (same Changed events,
    much faster on a busy CI machine)."""
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.focus()
    field.value = ""
    if keys:
        await pilot.press(*text)
    else:
        field.value = text
    await pilot.pause()


async def fill_server(pilot: Pilot[object], host: str, port: str, downs: int = 0) -> None:
    await type_into(pilot, "host", host)
    pilot.app.screen.query_one("#security").focus()
    for _ in range(downs):
        await pilot.press("down")
    await type_into(pilot, "port", port)


async def to_sign_in(
    pilot: Pilot[object], host: str = "smtp.example.com", port: str = "587", downs: int = 0
) -> None:
    """From the start to the sign-in step with the server filled in."""
    await to_smtp_server(pilot)
    await fill_server(pilot, host, port, downs)
    await pilot.press("ctrl+n")
    await wait_for(pilot, SmtpSignInScreen)


async def password_from(pilot: Pilot[object], downs: int) -> None:
    """As USER, pick where the password comes from: 1 a command, 2 an environment variable."""
    await type_into(pilot, "username", USER)
    pilot.app.screen.query_one("#pw-source").focus()
    await pilot.press(*["down"] * downs)


def status_text(pilot: Pilot[object], widget_id: str = "status") -> str:
    return str(pilot.app.screen.query_one(f"#{widget_id}", Static).render())


async def command_refused(pilot: Pilot[object], command: str, words: str) -> None:
    """A password command that fails keeps the step, explains it with `words`, changes nothing."""
    await type_into(pilot, "pw-value", command)
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SmtpSignInScreen)
    panel = pilot.app.screen.query_one("#pw-error", ExplanationPanel)
    assert panel.display and words in str(panel.render())
    assert "nothing was changed" in status_text(pilot)


async def command_accepted(pilot: Pilot[object]) -> None:
    """Fixed: a working password command moves on to the test step."""
    await type_into(pilot, "pw-value", "printf 'from-cmd\\n'")
    await pilot.press("ctrl+n")
    await settle(pilot)
    await wait_for(pilot, TrialSendScreen)


async def test_smtp_path_with_test_send_and_save(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "starttls", users={USER: PASSWORD}, auth_required=True) as server:
        with_ca(server.tls.ca_path)
        app = AlloyApp(config_path())
        async with app.run_test(size=(80, 24)) as pilot:
            await to_sign_in(pilot, "127.0.0.1", str(server.port))
            await type_into(pilot, "username", USER)
            await type_into(pilot, "pw-value", PASSWORD, keys=True)
            said = status_text(pilot, "pw-check")  # nothing is saved yet: it says when it will be
            assert "held in memory; saving writes it to the secrets file" in said
            assert "not the config" in said
            await type_into(pilot, "from", "noc@contoso.test")
            app.screen.query_one("#format").focus()
            await pilot.press("down")  # HTML
            await pilot.press("enter")
            await wait_for(pilot, TrialSendScreen)
            assert secrets.pending_password("smtp", USER) == PASSWORD
            assert not secrets_file().exists()  # nothing written before Save
            await type_into(pilot, "to", "ops@contoso.test")
            await pilot.press("enter")  # Enter in the recipient field sends
            await settle(pilot)
            sent = status_text(pilot, "sent")
            assert "Test message has been sent" in sent and QUEUE_ID in sent
            assert PASSWORD not in sent
            await save_after_test_step(app, pilot)
            assert app.state.saved_path == config_path()
        assert server.messages[0].login == USER
        assert b"Content-Type: text/html" in server.messages[0].data
    text = config_path().read_text()
    assert 'format = "html"' in text
    assert 'host = "127.0.0.1"' in text and f"port = {server.port}" in text
    assert f'username = "{USER}"' in text and 'default_from = "noc@contoso.test"' in text
    assert PASSWORD not in text
    assert secrets.load_password("smtp", USER) == PASSWORD
    assert stat.S_IMODE(secrets_file().stat().st_mode) == 0o600


async def test_security_choice_sets_the_usual_port() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_smtp_server(pilot)
        port = app.screen.query_one("#port", Input)
        assert port.value == "587"
        app.screen.query_one("#security").focus()
        await pilot.press("down")  # SSL/TLS
        await pilot.pause()
        assert port.value == "465"
        await pilot.press("down")  # None
        await pilot.pause()
        assert port.value == "25"
        await type_into(pilot, "port", "2525")
        app.screen.query_one("#security").focus()
        await pilot.press("down")  # a port the admin typed is kept
        await pilot.pause()
        assert port.value == "2525"


BAD_SERVER_INPUT = [
    ("mail server.example.com", "587", "host-check", "no spaces"),
    ("", "587", "host-check", "required"),
    ("smtp.example.com", "70000", "port-check", "between 1 and 65535"),
    ("smtp.example.com", "0", "port-check", "between 1 and 65535"),
    ("smtp.example.com", "", "port-check", "required"),
]


async def test_bad_server_input_stays_and_writes_nothing() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_smtp_server(pilot)
        for host, port, where, problem in BAD_SERVER_INPUT:
            await fill_server(pilot, host, port)
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert isinstance(app.screen, SmtpServerScreen), (host, port)
            assert problem in status_text(pilot, where), (host, port)
            assert "Fix the fields" in status_text(pilot)
        await type_into(pilot, "port", "99999x", keys=True)  # only digits, at most 5, can be typed
        assert app.screen.query_one("#port", Input).value == "99999"
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not config_path().exists() and not secrets_file().exists()


def test_port_and_host_checks() -> None:
    assert check_port("abc") == "a whole number, e.g. 587"
    assert check_port("65535") == "" and check_port("65536") == "between 1 and 65535"
    assert check_host("smtp://x") != "" and check_host("smtp.example.com") == ""


async def test_password_command_is_run_and_explained() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_sign_in(pilot)
        await password_from(pilot, 1)  # a command prints it
        for command, words in [
            ("echo nope >&2; exit 3", "exited with code 3"),
            ("no-such-password-tool-zz show", "not found (exit code 127)"),
        ]:
            await command_refused(pilot, command, words)
        await command_accepted(pilot)  # fix it: a working command moves on
        assert app.state.draft.smtp.password_command == "printf 'from-cmd\\n'"
        await pilot.press("ctrl+q")  # quit without saving
        await pilot.pause()
        await pilot.press("y")
    assert not config_path().exists() and not secrets_file().exists()


async def test_an_unexpected_failure_of_the_password_command_is_explained() -> None:
    """Not only the core's own errors: any failure of the check in the thread is explained on
    the step (through core.explain), and the step is not left waiting for it forever."""
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_sign_in(pilot)
        await password_from(pilot, 1)  # a command prints it
        # a NUL: /bin/sh cannot take it
        await command_refused(pilot, "printf 'a\x00b'", "Unexpected error (ValueError)")
        await command_accepted(pilot)


async def test_env_variable_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLOY_WIZ_PW", raising=False)
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_sign_in(pilot)
        await password_from(pilot, 2)  # an environment variable
        await type_into(pilot, "pw-value", "ALLOY_WIZ_PW")
        assert "$ALLOY_WIZ_PW is not set" in status_text(pilot, "pw-check")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SmtpSignInScreen)
        monkeypatch.setenv("ALLOY_WIZ_PW", "x")
        await type_into(pilot, "pw-value", "ALLOY_WIZ_PW")
        await pilot.press("ctrl+n")
        await wait_for(pilot, TrialSendScreen)
        assert app.state.draft.smtp.password_env == "ALLOY_WIZ_PW"


async def test_quitting_after_typing_a_password_writes_nothing() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_sign_in(pilot)
        await type_into(pilot, "username", USER)
        await type_into(pilot, "pw-value", PASSWORD)
        await pilot.press("ctrl+n")
        await wait_for(pilot, TrialSendScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert not config_path().exists() and not secrets_file().exists()


async def test_no_username_means_no_password_and_needs_a_from() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_sign_in(pilot, "relay.example.com", "25", downs=2)
        assert "without signing in" in status_text(pilot, "pw-check")
        # No user name: the password fields are off and Tab goes from the user name to From.
        assert app.screen.query_one("#pw-value", Input).disabled
        assert app.screen.focused is app.screen.query_one("#username", Input)
        await pilot.press("tab")
        assert app.screen.focused is app.screen.query_one("#from", Input)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SmtpSignInScreen)
        assert "required (who the notifications come from)" in status_text(pilot, "from-check")
        await type_into(pilot, "from", "server@example.com")
        await pilot.press("ctrl+n")
        await wait_for(pilot, TrialSendScreen)
        await pilot.press("escape")  # back: a user name turns the password fields on again
        await wait_for(pilot, SmtpSignInScreen)
        await type_into(pilot, "username", "relay-user@example.com")
        assert not app.screen.query_one("#pw-value", Input).disabled
        assert "required" in status_text(pilot, "pw-check")
    assert app.state.draft.smtp.security == "none" and app.state.draft.smtp.port == 25


async def test_test_send_failure_is_explained(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "ssl", users={USER: "not-this"}) as server:
        with_ca(server.tls.ca_path)
        app = AlloyApp(config_path())
        async with app.run_test(size=(80, 24)) as pilot:
            await to_sign_in(pilot, "127.0.0.1", str(server.port), downs=1)
            await type_into(pilot, "username", USER)
            await type_into(pilot, "pw-value", PASSWORD)
            await pilot.press("ctrl+n")
            await send_test_to(pilot, "ops@contoso.test")
            text = send_error(pilot)
            assert "The username or password is wrong" in text and PASSWORD not in text
