"""The sandbox's Graph routes for an app-only token, over HTTPS with a real msal token: drafts
under /users/{mailbox}/messages with the same scope checks as sendMail (never /me), and MIME
sendMail whose From is another mailbox: in the app's scope, and granted, or refused."""

from __future__ import annotations

import base64
import email.policy
import ssl
from email.message import EmailMessage
from pathlib import Path

import httpx

from alloy_tui.core.signin import AppOnlySignIn
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_settings, new_certificate
from tests.helpers.m365 import (
    ACCOUNT,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`

HELPDESK = "helpdesk@contoso.example"  # granted alerts@ Send On Behalf in the sandbox
CEO = "ceo@contoso.example"  # granted nothing


def graph(sb: Sandbox, tmp_path: Path, roles: list[str]) -> httpx.Client:
    sb.clear_scenarios()
    sb.set_app_roles(roles)
    sb.scope_app_to([ACCOUNT])
    pem = tmp_path / "app.pem"
    sb.register_certificate(new_certificate(pem).certificate_pem)
    token = AppOnlySignIn(app_settings(sb, tmp_path, pem), tmp_path / "c.toml").get_token("graph")
    return httpx.Client(
        base_url=f"{sb.graph_endpoint}/v1.0",
        verify=ssl.create_default_context(cafile=str(sb.ca_path)),
        headers={"Authorization": f"Bearer {token}"},
    )


def draft(from_: str = "") -> dict[str, object]:
    d: dict[str, object] = {
        "subject": "draft",
        "body": {"contentType": "Text", "content": "hi"},
        "toRecipients": [{"emailAddress": {"address": "ops@contoso.example"}}],
    }
    if from_:
        d["from"] = {"emailAddress": {"address": from_}}
    return d


def test_app_drafts_live_under_the_mailbox_in_scope(sb: Sandbox, tmp_path: Path) -> None:
    with graph(sb, tmp_path, ["Mail.Send", "Mail.ReadWrite"]) as c:
        r = c.post("/me/messages", json=draft())
        assert r.status_code == 400 and "delegated" in r.json()["error"]["message"]
        r = c.post(f"/users/{CEO}/messages", json=draft())
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"
        r = c.post(f"/users/{ACCOUNT}/messages", json=draft())
        assert r.status_code == 201
        assert c.post(f"/users/{ACCOUNT}/messages/{r.json()['id']}/send").status_code == 202
        assert sb.messages()[-1].from_address == ACCOUNT
        r = c.post(f"/users/{ACCOUNT}/messages", json=draft(HELPDESK))
        r = c.post(f"/users/{ACCOUNT}/messages/{r.json()['id']}/send")
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"


def test_app_drafts_need_the_mail_readwrite_role(sb: Sandbox, tmp_path: Path) -> None:
    with graph(sb, tmp_path, ["Mail.Send"]) as c:
        r = c.post(f"/users/{ACCOUNT}/messages", json=draft())
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"


def mime(from_: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = from_, "ops@contoso.example", f"mime from {from_}"
    m.set_content("hi\n")
    return base64.b64encode(m.as_bytes(policy=email.policy.SMTP))


def test_app_mime_from_another_mailbox_needs_scope_and_a_grant(sb: Sandbox, tmp_path: Path) -> None:
    with graph(sb, tmp_path, ["Mail.Send"]) as c:
        url, plain = f"/users/{ACCOUNT}/sendMail", {"Content-Type": "text/plain"}
        r = c.post(url, content=mime(HELPDESK), headers=plain)
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorAccessDenied"
        sb.scope_app_to([ACCOUNT, HELPDESK, CEO])
        assert c.post(url, content=mime(HELPDESK), headers=plain).status_code == 202
        assert sb.messages()[-1].from_address == HELPDESK
        r = c.post(url, content=mime(CEO), headers=plain)
        assert r.status_code == 403 and r.json()["error"]["code"] == "ErrorSendAsDenied"
