"""The wizard's Exchange Server path with Autodiscover, by keys, against the sandbox (for real)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.exchange_server_step import ExchangeAccountScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.exchange_server_wizard import (
    PASSWORD,
    UPN,
    config_path,
    fill,
    on_exchange_server_step,
    send_test_to,
    settle,
    text_of,
    to_exchange_server,
    wait_for,
    with_ca,
)
from tests.helpers.sandboxes import module_sandbox  # noqa: F401 - fixture `sandbox`
from tests.helpers.wizard import save_after_test_step


async def to_account(pilot: object, server: str) -> None:
    await to_exchange_server(pilot)  # type: ignore[arg-type]
    await to_account_from_server(pilot, server)


async def test_a_server_name_is_turned_into_the_ews_url_and_saved(sandbox: Sandbox) -> None:
    async with on_exchange_server_step(sandbox.ca_path) as (app, pilot):
        assert "Autodiscover" in text_of(pilot, "ews_url-check")  # empty is allowed
        await to_account_from_server(pilot, sandbox.base_url)
        assert "Autodiscover asks 127.0.0.1" in text_of(pilot, "discover-note")
        await fill(pilot, "username", UPN)
        await fill(pilot, "pw-value", PASSWORD)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await wait_for(pilot, TrialSendScreen)
        assert app.state.draft.exchange_server.ews_endpoint == sandbox.ews_endpoint
        assert len(sandbox.requests("autodiscover")) == 1
        await send_test_to(pilot, "ops@contoso.example")
        assert "Test message has been sent" in text_of(pilot, "sent")
        await save_after_test_step(app, pilot)
        assert app.state.saved_path == config_path()
    text = config_path().read_text()
    assert f'ews_endpoint = "{sandbox.ews_endpoint}"' in text and PASSWORD not in text


async def to_account_from_server(pilot: object, server: str) -> None:
    await fill(pilot, "ews_url", server)  # type: ignore[arg-type]
    pilot.app.screen.query_one("#auth").focus()  # type: ignore[attr-defined]
    await pilot.press("down")  # type: ignore[attr-defined]  # Basic
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(pilot, ExchangeAccountScreen)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("server", "password", "title"),
    [
        ("", PASSWORD, "Autodiscover did not find the EWS URL"),  # contoso.example: no such host
        ("base", "Wrong-Pass-31", "Autodiscover rejected the credentials"),
    ],
)
async def test_autodiscover_failure_is_explained_and_nothing_changes(
    sandbox: Sandbox, server: str, password: str, title: str
) -> None:
    with_ca(sandbox.ca_path)
    before = config_path().read_text()
    app = AlloyApp(config_path())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_account(pilot, sandbox.base_url if server == "base" else server)
        await fill(pilot, "username", UPN)
        await fill(pilot, "pw-value", password)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, ExchangeAccountScreen)
        panel = str(app.screen.query_one("#pw-error", ExplanationPanel).render())
        assert title in panel and "Get-WebServicesVirtualDirectory" in panel
        assert password not in panel
        assert "Esc goes back to type the EWS URL" in text_of(pilot, "status")
        assert app.state.draft.exchange_server.ews_endpoint == (
            sandbox.base_url if server == "base" else ""
        )
        assert app.screen.query_one("#pw-value", Input).value == password  # nothing lost
    assert config_path().read_text() == before and not secrets.secrets_path().exists()
