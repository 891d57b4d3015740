"""Sending with app-only tokens, for real: Graph /users/{mailbox}/sendMail and EWS with the
ExchangeImpersonation header (exchangelib), the mailbox scope and the 'From' grants."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail import OutgoingMessage, send_message
from alloy_tui.core.signin import AppOnlySignIn
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_settings, new_certificate
from tests.helpers.m365 import (
    ACCOUNT,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`

HELPDESK = "helpdesk@contoso.example"  # granted alerts@ Send On Behalf in the sandbox
CEO = "ceo@contoso.example"  # granted nothing


@pytest.fixture
def pem(sb: Sandbox, tmp_path: Path) -> Path:
    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    cred = new_certificate(tmp_path / "app.pem")
    sb.register_certificate(cred.certificate_pem)
    return tmp_path / "app.pem"


def msg(from_address: str = "") -> OutgoingMessage:
    return OutgoingMessage(("ops@contoso.example",), "Disk alert", "95% full", False, from_address)


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_sends_as_the_mailbox(sb: Sandbox, pem: Path, tmp_path: Path, api: str) -> None:
    settings = app_settings(sb, tmp_path, pem, api=api)
    sb.clear_requests()
    result = send_message(settings, tmp_path / "c.toml", msg())
    assert result.account == ACCOUNT and result.api == api
    delivered = sb.messages()[-1]
    assert delivered.api == api and delivered.from_address == ACCOUNT
    if api == "ews":
        (post,) = sb.requests("ews")
        assert b"ExchangeImpersonation" in post.body and ACCOUNT.encode() in post.body
        assert post.headers.get("x-anchormailbox") == ACCOUNT


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_out_of_scope_mailbox_is_refused(sb: Sandbox, pem: Path, tmp_path: Path, api: str) -> None:
    settings = app_settings(sb, tmp_path, pem, api=api, mailbox=CEO)
    before = len(sb.messages())
    with pytest.raises(ExplainedError) as e:
        send_message(settings, tmp_path / "c.toml", msg())
    ex = e.value.explanation
    assert ex.code in ("ErrorAccessDenied", "ErrorImpersonateUserDenied")
    assert "outside its scope" in ex.title
    assert f"PrimarySmtpAddress -eq '{CEO}'" in ex.fix
    assert len(sb.messages()) == before


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_from_another_mailbox_needs_scope_and_a_grant(
    sb: Sandbox, pem: Path, tmp_path: Path, api: str
) -> None:
    settings = app_settings(sb, tmp_path, pem, api=api, from_delegation=True)
    sb.scope_app_to([ACCOUNT, HELPDESK, CEO])
    send_message(settings, tmp_path / "c.toml", msg(HELPDESK))
    got = sb.messages()[-1]
    assert got.from_address == HELPDESK and got.sender == ACCOUNT
    with pytest.raises(ExplainedError) as e:
        send_message(settings, tmp_path / "c.toml", msg(CEO))
    ex = e.value.explanation
    assert ex.code == "ErrorSendAsDenied"
    assert f"{CEO} has not granted {ACCOUNT} Send As or Send on Behalf" == ex.title
    assert "Add-RecipientPermission" in ex.fix and "GrantSendOnBehalfTo" in ex.fix
    sb.scope_app_to([ACCOUNT])
    with pytest.raises(ExplainedError) as e:
        send_message(settings, tmp_path / "c.toml", msg(HELPDESK))
    assert "outside its scope" in e.value.explanation.title


def test_from_another_mailbox_with_delegation_off_is_refused_locally(
    sb: Sandbox, pem: Path, tmp_path: Path
) -> None:
    settings = app_settings(sb, tmp_path, pem)
    sb.clear_requests()
    with pytest.raises(ExplainedError) as e:
        send_message(settings, tmp_path / "c.toml", msg(HELPDESK))
    assert sb.requests("graph") == []
    assert "Mail.Send.Shared" not in e.value.explanation.fix
    assert "from_delegation = true" in e.value.explanation.fix


def test_ews_without_impersonation_or_role_is_refused(
    sb: Sandbox, pem: Path, tmp_path: Path
) -> None:
    signin = AppOnlySignIn(app_settings(sb, tmp_path, pem, api="ews"), tmp_path / "c.toml")
    token = signin.get_token("ews")
    envelope = (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        '<s:Body><m:CreateItem xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"/>'
        "</s:Body></s:Envelope>"
    )
    ctx = ssl.create_default_context(cafile=str(sb.ca_path))
    with httpx.Client(verify=ctx) as c:
        r = c.post(
            sb.ews_endpoint,
            content=envelope,
            headers={"Authorization": f"Bearer {token}", "X-AnchorMailbox": ACCOUNT},
        )
    assert r.status_code == 500 and b"ErrorInvalidExchangeImpersonationHeaderData" in r.content
    graph_token = signin.get_token("graph")  # a Graph token has no EWS role
    with httpx.Client(verify=ctx) as c:
        r = c.post(
            sb.ews_endpoint, content=envelope, headers={"Authorization": f"Bearer {graph_token}"}
        )
    assert r.status_code == 401


def test_graph_me_is_refused_for_an_app_token(sb: Sandbox, pem: Path, tmp_path: Path) -> None:
    token = AppOnlySignIn(app_settings(sb, tmp_path, pem), tmp_path / "c.toml").get_token("graph")
    ctx = ssl.create_default_context(cafile=str(sb.ca_path))
    with httpx.Client(verify=ctx) as c:
        r = c.post(
            f"{sb.graph_endpoint}/v1.0/me/sendMail",
            json={},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert r.status_code == 400 and "delegated" in r.json()["error"]["message"]


def test_ews_blocked_for_the_app_is_explained(sb: Sandbox, pem: Path, tmp_path: Path) -> None:
    sb.set_scenario("ews_blocked")
    with pytest.raises(ExplainedError) as e:
        send_message(app_settings(sb, tmp_path, pem, api="ews"), tmp_path / "c.toml", msg())
    ex = e.value.explanation
    assert ex.title == "EWS is blocked for this app"
    assert "EWSAllowedAppIDs" in ex.fix and sb.client_id in ex.fix
