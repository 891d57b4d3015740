"""The wizard's app-only path, with Pilot against the real sandbox: switch to the certificate
(^O), create it (^G), check (^T), test, save; the device-code account's tokens leave the cache
only once the config that no longer uses them is saved."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config import store
from alloy_tui.core.signin import certificate
from alloy_tui.sandbox.server import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.appcert_step import AppCertScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from tests.helpers import wizard
from tests.helpers.wizard import on, screen_text, set_input, wait_for

OLD = "alerts@contoso.example"


@pytest.fixture
def path(sandbox: Sandbox, tmp_path: Path) -> Path:
    """A saved config naming OLD, signed in outside the wizard (what the cron job uses)."""
    return wizard.signed_in_config(sandbox, tmp_path, OLD)


def cache(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "token_cache.json").read_text())
    return data


def app_tokens(tmp_path: Path) -> list[dict[str, Any]]:
    return [
        a for a in cache(tmp_path).get("AccessToken", {}).values() if not a.get("home_account_id")
    ]


async def to_app_cert_step(app: AlloyApp, pilot: Any) -> None:
    await wizard.to_signin_step(app, pilot)
    assert "App-only with a certificate (recommended for unattended servers)" in screen_text(app)
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: on(app, AppCertScreen), what="certificate step")


@asynccontextmanager
async def at_app_cert_step(path: Path) -> AsyncIterator[tuple[AlloyApp, Any]]:
    """The wizard at 80x24 on `path`, switched to the certificate step."""
    app = AlloyApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_app_cert_step(app, pilot)
        yield app, pilot


async def create_and_check(app: AlloyApp, pilot: Any, sb: Sandbox, tmp_path: Path) -> Path:
    pem = tmp_path / "keys" / "app.pem"
    set_input(app, "#certificate", str(pem))
    set_input(app, "#mailbox", OLD)
    await pilot.press("ctrl+n")  # not checked yet: refused
    assert on(app, AppCertScreen)
    await pilot.press("ctrl+g")
    await wait_for(pilot, lambda: pem.exists(), what="the certificate file")
    text = screen_text(app)
    info = certificate.load(pem).info
    assert info.sha1 in text
    assert (
        f"az ad app credential reset --id {sb.client_id} --cert @{tmp_path / 'keys' / 'app.public.pem'}"
        in text
    )
    assert "New-ManagementScope" in text and f"PrimarySmtpAddress -eq '{OLD}'" in text
    await pilot.press("ctrl+t")  # not registered yet: explained
    await wait_for(
        pilot, lambda: "Certificate not registered" in screen_text(app), timeout=15, what="700027"
    )
    sb.register_certificate(certificate.load(pem).certificate_pem)  # the admin ran the az command
    await pilot.press("ctrl+t")
    await wait_for(
        pilot, lambda: "App token acquired" in screen_text(app), timeout=15, what="the check"
    )
    return pem


async def test_switch_to_certificate_test_and_save(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    async with at_app_cert_step(path) as (app, pilot):
        pem = await create_and_check(app, pilot, sandbox, tmp_path)
        await pilot.press("ctrl+n")
        await wizard.send_from_delegation(app, pilot)
        assert "Test message has been sent" in screen_text(app)
        assert sandbox.messages()[-1].account == OLD
        assert [r.path for r in sandbox.requests("graph")][
            -1
        ] == f"/graph/v1.0/users/{OLD}/sendMail"
        assert cache(tmp_path).get("Account")  # not yet: nothing saved
        await wizard.to_review(app, pilot)
        assert "app-only, certificate" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, DoneScreen), what="saved")
    settings = store.load(path).settings.exchange_online
    assert (settings.auth, settings.certificate, settings.mailbox) == ("certificate", str(pem), OLD)
    assert not cache(tmp_path).get("Account")  # the device-code account left with the save
    assert app_tokens(tmp_path)


async def test_switch_then_quit_without_saving_keeps_the_device_code_account(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    before = path.read_text()
    async with at_app_cert_step(path) as (app, pilot):
        await create_and_check(app, pilot, sandbox, tmp_path)
        await wizard.quit_without_saving(app, pilot)
    assert path.read_text() == before
    assert [a["username"] for a in cache(tmp_path)["Account"].values()] == [OLD]


async def test_back_to_device_code_from_the_certificate_step(
    sandbox: Sandbox, tmp_path: Path, path: Path
) -> None:
    async with at_app_cert_step(path) as (app, pilot):
        set_input(app, "#mailbox", "not an address")
        await pilot.pause(0.1)
        assert "✗" in screen_text(app)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: on(app, SignInScreen), what="device-code step again")
        await wait_for(
            pilot, lambda: "Signed in as" in screen_text(app), timeout=15, what="cached account"
        )
        assert app.state.draft.exchange_online.auth == "device-code"
