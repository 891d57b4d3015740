"""EWS CreateItem against the sandbox with real exchangelib 5.6.0 (OAuth and on-premises Basic)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.scopes import EWS_SCOPE, GRAPH_SEND

pytestmark = pytest.mark.usefixtures("ews_trust")


def account_for(sandbox: Sandbox, credentials: Any, auth_type: str, address: str) -> Any:
    from exchangelib import DELEGATE, UTC, Account, Build, Configuration, Version

    cfg = Configuration(
        service_endpoint=sandbox.ews_endpoint,
        credentials=credentials,
        auth_type=auth_type,
        version=Version(build=Build(15, 20), api_version="Exchange2016"),
    )
    return Account(
        address, config=cfg, autodiscover=False, access_type=DELEGATE, default_timezone=UTC
    )


@pytest.fixture
def oauth_account(sandbox: Sandbox, sign_in: Callable) -> Callable[..., Any]:
    def make(token: str | None = None, scopes: list[str] | None = None) -> Any:
        from exchangelib import OAUTH2, OAuth2AuthorizationCodeCredentials

        if token is None:
            token = sign_in(scopes or [EWS_SCOPE])["access_token"]
        creds = OAuth2AuthorizationCodeCredentials(
            access_token={"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        )
        return account_for(sandbox, creds, OAUTH2, "alerts@contoso.example")

    return make


def basic_account(sandbox: Sandbox, user: str, password: str) -> Any:
    from exchangelib import BASIC, Credentials

    return account_for(sandbox, Credentials(user, password), BASIC, "svc-alerts@contoso.example")


def send(
    account: Any, author: str | None = None, html: bool = False, to: list[str] | None = None
) -> None:
    from exchangelib import HTMLBody, Mailbox, Message

    body = HTMLBody("<p>Disk <b>full</b></p>") if html else "Disk full"
    msg = Message(
        account=account, subject="Disk alert", body=body, to_recipients=to or ["bob@example.com"]
    )
    if author:
        msg.author = Mailbox(email_address=author)
    msg.send(save_copy=False)


def test_one_post_sendonly_with_bearer(sandbox: Sandbox, oauth_account: Callable) -> None:
    account = oauth_account()
    sandbox.clear_requests()
    send(account, html=True)
    [req] = sandbox.requests()
    assert (req.method, req.path, req.api, req.status) == ("POST", "/EWS/Exchange.asmx", "ews", 200)
    assert b'MessageDisposition="SendOnly"' in req.body and b"CreateItem" in req.body
    assert req.headers["x-anchormailbox"] == "alerts@contoso.example"
    assert "authorization" not in req.headers
    [m] = sandbox.messages()
    assert (m.api, m.account, m.from_address, m.sender) == (
        "ews",
        "alerts@contoso.example",
        "alerts@contoso.example",
        "",
    )
    assert m.html and m.body == "<p>Disk <b>full</b></p>" and m.to == ("bob@example.com",)
    assert m.subject == "Disk alert"


def test_on_behalf_allowed_and_denied(sandbox: Sandbox, oauth_account: Callable) -> None:
    from exchangelib.errors import ErrorNonExistentMailbox, ErrorSendAsDenied

    account = oauth_account()
    send(account, author="helpdesk@contoso.example")
    [m] = sandbox.messages()
    assert m.from_address == "helpdesk@contoso.example" and m.sender == "alerts@contoso.example"
    with pytest.raises(ErrorSendAsDenied, match="does not have the right to send mail on behalf"):
        send(account, author="ceo@contoso.example")
    with pytest.raises(ErrorNonExistentMailbox):
        send(account, author="nobody@contoso.example")
    assert len(sandbox.messages()) == 1


def test_graph_token_is_refused(oauth_account: Callable) -> None:
    from exchangelib.errors import UnauthorizedError

    with pytest.raises(UnauthorizedError):
        send(oauth_account(scopes=[GRAPH_SEND]))


def test_expired_token_is_refused(sandbox: Sandbox, oauth_account: Callable) -> None:
    from exchangelib.errors import UnauthorizedError

    account = oauth_account()
    sandbox.expire_access_tokens()
    with pytest.raises(UnauthorizedError):
        send(account)
    assert sandbox.requests("ews")[-1].status == 401


def test_throttled_with_back_off(sandbox: Sandbox, oauth_account: Callable) -> None:
    from exchangelib.errors import ErrorServerBusy

    account = oauth_account()
    sandbox.set_scenario("throttle", retry_after=2.5)
    with pytest.raises(ErrorServerBusy) as info:
        send(account)
    assert info.value.back_off == 2.5
    send(account)  # used up after one request
    assert len(sandbox.messages()) == 1


def test_server_busy_and_invalid_token(sandbox: Sandbox, oauth_account: Callable) -> None:
    from exchangelib.errors import ErrorServerBusy, UnauthorizedError

    account = oauth_account()
    sandbox.set_scenario("server_busy", retry_after=4)
    with pytest.raises(ErrorServerBusy, match="503"):
        send(account)
    assert sandbox.requests("ews")[-1].status == 503
    sandbox.set_scenario("invalid_token", api="ews", count=1)
    with pytest.raises(UnauthorizedError):
        send(account)
    send(account)


def test_ews_blocked(sandbox: Sandbox, oauth_account: Callable) -> None:
    from exchangelib.errors import ErrorAccessDenied

    account = oauth_account()
    sandbox.set_scenario("ews_blocked")
    with pytest.raises(ErrorAccessDenied, match="EWS"):
        send(account)
    assert sandbox.messages() == []
    sandbox.clear_scenarios()
    send(account)


def test_ews_blocked_as_http_403(
    sandbox: Sandbox, ssl_ctx: Any, sign_in: Callable, http: Any
) -> None:
    token = sign_in([EWS_SCOPE])["access_token"]
    sandbox.set_scenario("ews_blocked", mode="http")
    r = http.post(
        sandbox.ews_endpoint, content=SOAP_GET_FOLDER, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403


SOAP_GET_FOLDER = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    b'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    b'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    b"<s:Body><m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
    b"</m:GetFolder></s:Body></s:Envelope>"
)


def test_other_operations_are_invalid(sandbox: Sandbox, sign_in: Callable, http: Any) -> None:
    token = sign_in([EWS_SCOPE])["access_token"]
    r = http.post(
        sandbox.ews_endpoint, content=SOAP_GET_FOLDER, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200
    assert b'ResponseClass="Error"' in r.content and b"ErrorInvalidOperation" in r.content
    assert b"ServerVersionInfo" in r.content
    r = http.post(
        sandbox.ews_endpoint, content=b"<not-xml", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 500 and b"ErrorSchemaValidation" in r.content


def test_basic_auth_for_on_premises_users(sandbox: Sandbox) -> None:
    from exchangelib.errors import UnauthorizedError

    send(basic_account(sandbox, "CONTOSO\\svc-alerts", "Sandbox-Passw0rd"))
    sandbox.ews_basic_users = {"svc-alerts@contoso.example": "other secret"}
    send(basic_account(sandbox, "svc-alerts@contoso.example", "other secret"))
    assert [(m.account, m.from_address) for m in sandbox.messages()] == [
        ("svc-alerts@contoso.example", "svc-alerts@contoso.example")
    ] * 2
    with pytest.raises(UnauthorizedError):
        send(basic_account(sandbox, "svc-alerts@contoso.example", "wrong"))
    with pytest.raises(UnauthorizedError):
        send(
            basic_account(sandbox, "CONTOSO\\svc-alerts", "Sandbox-Passw0rd")
        )  # no longer configured


def test_401_without_credentials(sandbox: Sandbox, http: Any) -> None:
    r = http.post(sandbox.ews_endpoint, content=SOAP_GET_FOLDER)
    assert r.status_code == 401
    schemes = [v.split()[0] for v in r.headers.get_list("www-authenticate")]
    assert schemes == ["Bearer", "NTLM", "Negotiate", "Basic"]
    bad = base64.b64encode(b"nobody:nothing").decode()
    assert (
        http.post(
            sandbox.ews_endpoint, content=SOAP_GET_FOLDER, headers={"Authorization": f"Basic {bad}"}
        ).status_code
        == 401
    )


def ntlm_account(sandbox: Sandbox, user: str, password: str) -> Any:
    from exchangelib import NTLM, Credentials

    return account_for(sandbox, Credentials(user, password), NTLM, "svc-alerts@contoso.example")


def test_ntlm_for_on_premises_users(sandbox: Sandbox) -> None:
    import os

    from exchangelib.errors import UnauthorizedError

    before = os.environ.get("NTLM_USER_FILE")
    send(
        ntlm_account(sandbox, "CONTOSO\\svc-alerts", "Sandbox-Passw0rd"),
        author="svc-alerts@contoso.example",
    )
    send(ntlm_account(sandbox, "svc-alerts@contoso.example", "Sandbox-Passw0rd"))
    assert [m.account for m in sandbox.messages()] == ["svc-alerts@contoso.example"] * 2
    statuses = [r.status for r in sandbox.requests("ews")]
    assert statuses.count(200) == 2 and 401 in statuses  # the NTLM challenge round trips
    with pytest.raises(UnauthorizedError):
        send(ntlm_account(sandbox, "CONTOSO\\svc-alerts", "wrong"))
    assert len(sandbox.messages()) == 2
    assert os.environ.get("NTLM_USER_FILE") == before  # only set while the acceptor works
