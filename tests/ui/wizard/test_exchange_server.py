"""The wizard's Exchange Server (on-premises) path, by keys, against the sandbox's EWS (Basic)."""

from __future__ import annotations

import stat

from textual.widgets import Input

from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.exchange_server_step import (
    ExchangeAccountScreen,
    ExchangeServerScreen,
    check_ews_url,
    check_username,
)
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.exchange_server_wizard import (
    PASSWORD,
    UPN,
    USER,
    config_path,
    fill,
    on_exchange_server_step,
    send_error,
    send_test_to,
    settle,
    text_of,
    to_exchange_server,
    wait_for,
)
from tests.helpers.sandboxes import module_sandbox  # noqa: F401 - fixture `sandbox`
from tests.helpers.wizard import save_after_test_step


async def test_exchange_server_path_with_test_send_and_save(sandbox: Sandbox) -> None:
    async with on_exchange_server_step(sandbox.ca_path) as (app, pilot):
        await fill(pilot, "ews_url", sandbox.ews_endpoint)
        assert "looks right" in text_of(pilot, "ews_url-check")
        app.screen.query_one("#auth").focus()
        await pilot.press("down")  # Basic
        await pilot.press("enter")
        await wait_for(pilot, ExchangeAccountScreen)
        await fill(pilot, "username", USER)
        app.screen.query_one("#pw-value", Input).focus()
        await pilot.press(*PASSWORD)  # typed once, by keys
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ExchangeAccountScreen)  # DOMAIN\user needs its address
        assert "this account's address" in text_of(pilot, "from-check")
        await fill(pilot, "from", UPN)
        await pilot.press("ctrl+n")
        await wait_for(pilot, TrialSendScreen)
        assert not secrets.secrets_path().exists()
        await fill(pilot, "to", "ops@contoso.example")
        await pilot.press("enter")
        await settle(pilot)
        assert "Test message has been sent" in text_of(pilot, "sent")
        await save_after_test_step(app, pilot)
        assert app.state.saved_path == config_path()
    assert [m.to for m in sandbox.messages() if m.account == UPN][-1] == ("ops@contoso.example",)
    text = config_path().read_text()
    assert (
        "username = 'CONTOSO\\svc-alerts'" in text or 'username = "CONTOSO\\\\svc-alerts"' in text
    )
    assert 'auth = "basic"' in text and PASSWORD not in text
    assert secrets.load_password("exchange-server", USER) == PASSWORD
    assert stat.S_IMODE(secrets.secrets_path().stat().st_mode) == 0o600


async def test_ntlm_wrong_password_and_on_behalf_denied_are_explained(sandbox: Sandbox) -> None:
    async with on_exchange_server_step(sandbox.ca_path) as (app, pilot):
        await fill(pilot, "ews_url", sandbox.ews_endpoint)
        await pilot.press("ctrl+n")  # NTLM, the default
        await wait_for(pilot, ExchangeAccountScreen)
        await fill(pilot, "username", UPN)
        await fill(pilot, "pw-value", "Wrong-One-1")
        await fill(pilot, "from", "helpdesk@contoso.example")  # on behalf, not granted
        await pilot.press("ctrl+n")
        await send_test_to(pilot, "ops@contoso.example")
        panel = send_error(pilot)
        assert "Exchange rejected the credentials" in panel and "Wrong-One-1" not in panel
        await pilot.press("escape")  # back: right password this time
        await wait_for(pilot, ExchangeAccountScreen)
        await fill(pilot, "pw-value", PASSWORD)
        await pilot.press("ctrl+n")
        await send_test_to(pilot, "ops@contoso.example")
        panel = send_error(pilot)
        assert "ErrorSendAsDenied" in panel and "Delegate Access" in panel
        assert "helpdesk@contoso.example" in panel and UPN in panel


async def test_bad_input_stays() -> None:
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_exchange_server(pilot)
        await fill(pilot, "ews_url", "http://mail.example.com/EWS/Exchange.asmx")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ExchangeServerScreen)
        assert "must be https://" in text_of(pilot, "ews_url-check")
        await fill(pilot, "ews_url", "https://mail.example.com")
        assert "a server: Autodiscover asks it" in text_of(pilot, "ews_url-check")
        await pilot.press("ctrl+n")
        await wait_for(pilot, ExchangeAccountScreen)
        await fill(pilot, "username", "svc-alerts")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ExchangeAccountScreen)
        assert "DOMAIN\\user or user@example.com" in text_of(pilot, "username-check")
        assert "required" in text_of(pilot, "pw-check")
    assert not config_path().exists() and not secrets.secrets_path().exists()


def test_checks() -> None:
    assert check_ews_url("https://mail.example.com/EWS/Exchange.asmx") == ""
    assert check_ews_url("") == "" and check_ews_url("https://mail.example.com") == ""
    assert "https" in check_ews_url("mail.example.com")
    assert check_ews_url("https://mail example.com") == "a URL has no spaces"
    assert check_username("CONTOSO\\") != "" and check_username("a@b.example") == ""
