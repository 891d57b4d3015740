"""Graph sendMail against the sandbox with real httpx and msal-issued tokens."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.scopes import EWS_SCOPE, GRAPH_SEND, GRAPH_SHARED, GRAPH_USER


def payload(to: list[str] | None = None, sender: str | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "subject": "Disk almost full",
        "body": {"contentType": "Text", "content": "/var is 91% full"},
        "toRecipients": [
            {"emailAddress": {"address": a}} for a in (["bob@example.com"] if to is None else to)
        ],
    }
    if sender:
        msg["from"] = {"emailAddress": {"address": sender}}
    msg.update(extra)
    return {"message": msg, "saveToSentItems": False}


@pytest.fixture
def send(sandbox: Sandbox, http: Any, sign_in: Callable) -> Callable[..., Any]:
    tokens: dict[tuple[str, ...], str] = {}

    def post(
        body: Any, scopes: tuple[str, ...] = (GRAPH_SEND, GRAPH_SHARED), token: str | None = None
    ) -> Any:
        if token is None:
            if scopes not in tokens:
                tokens[scopes] = sign_in(list(scopes))["access_token"]
            token = tokens[scopes]
        headers = {
            "Authorization": f"Bearer {token}",
            "client-request-id": "c0ffee00-0000-4000-8000-000000000001",
        }
        url = f"{sandbox.graph_endpoint}/v1.0/me/sendMail"
        if isinstance(body, bytes):
            return http.post(url, content=body, headers=headers)
        return http.post(url, json=body, headers=headers)

    return post


def assert_graph_error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert err["message"]
    inner = err["innerError"]
    assert inner["request-id"] == r.headers["request-id"]
    assert inner["client-request-id"] == r.headers["client-request-id"]
    assert inner["date"]
    return err


def test_send_202_and_delivered_as_eml(sandbox: Sandbox, send: Callable) -> None:
    r = send(payload(["bob@example.com", "carol@example.com"], cc=None))
    assert r.status_code == 202 and r.content == b""
    assert (
        r.headers["request-id"]
        and r.headers["client-request-id"] == "c0ffee00-0000-4000-8000-000000000001"
    )
    [m] = sandbox.messages()
    assert (m.api, m.account, m.from_address, m.sender) == (
        "graph",
        "alerts@contoso.example",
        "alerts@contoso.example",
        "",
    )
    assert m.to == ("bob@example.com", "carol@example.com") and m.subject == "Disk almost full"
    assert m.body == "/var is 91% full" and not m.html
    eml = email.message_from_bytes(Path(m.path).read_bytes(), policy=email.policy.default)
    assert eml["X-Alloy-Sandbox-Api"] == "graph"
    assert "alerts@contoso.example" in eml["From"] and eml["Sender"] is None
    assert eml["Message-ID"] and eml["Date"]
    assert sandbox.load_messages() == [m]
    [req] = sandbox.requests("graph")
    assert req.method == "POST" and req.path == "/graph/v1.0/me/sendMail" and req.status == 202
    assert "authorization" not in req.headers


def test_html_body(sandbox: Sandbox, send: Callable) -> None:
    body = payload(body={"contentType": "HTML", "content": "<p>Hello <b>ops</b></p>"})
    assert send(body).status_code == 202
    [m] = sandbox.load_messages()
    assert m.html and m.body == "<p>Hello <b>ops</b></p>"


def test_on_behalf_allowed(sandbox: Sandbox, send: Callable) -> None:
    assert send(payload(sender="helpdesk@contoso.example")).status_code == 202
    [m] = sandbox.load_messages()
    assert m.from_address == "helpdesk@contoso.example" and m.sender == "alerts@contoso.example"


def test_on_behalf_denied_until_granted(sandbox: Sandbox, send: Callable) -> None:
    err = assert_graph_error(send(payload(sender="ceo@contoso.example")), 403, "ErrorSendAsDenied")
    assert "does not have the right to send mail on behalf" in err["message"]
    assert sandbox.messages() == []
    sandbox.grant_send_on_behalf("ceo@contoso.example", "alerts@contoso.example")
    assert send(payload(sender="ceo@contoso.example")).status_code == 202


def test_on_behalf_needs_mail_send_shared(send: Callable) -> None:
    r = send(payload(sender="helpdesk@contoso.example"), scopes=(GRAPH_SEND,))
    assert_graph_error(r, 403, "ErrorAccessDenied")
    assert send(payload(), scopes=(GRAPH_SEND,)).status_code == 202  # own mailbox is fine


def test_unknown_from_mailbox(send: Callable) -> None:
    assert_graph_error(send(payload(sender="nobody@contoso.example")), 404, "ErrorInvalidUser")


def test_token_without_mail_send(send: Callable) -> None:
    assert_graph_error(send(payload(), scopes=(GRAPH_USER,)), 403, "ErrorAccessDenied")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "BadRequest"),
        ({"saveToSentItems": False}, "ErrorInvalidParameter"),
        (payload([]), "ErrorInvalidRecipients"),
        (payload(["not-an-address"]), "ErrorInvalidRecipients"),
        (payload(body={"contentType": "Markdown", "content": "x"}), "RequestBodyRead"),
    ],
)
def test_bad_payloads(sandbox: Sandbox, send: Callable, body: Any, code: str) -> None:
    assert_graph_error(send(body), 400, code)
    assert sandbox.messages() == []


def test_bad_tokens_are_401(sandbox: Sandbox, http: Any, send: Callable, sign_in: Callable) -> None:
    url = f"{sandbox.graph_endpoint}/v1.0/me/sendMail"
    r = http.post(url, json=payload())
    assert_graph_error(r, 401, "InvalidAuthenticationToken")
    assert_graph_error(send(payload(), token="sbx-at-forged"), 401, "InvalidAuthenticationToken")
    ews_token = sign_in([EWS_SCOPE])["access_token"]
    err = assert_graph_error(send(payload(), token=ews_token), 401, "InvalidAuthenticationToken")
    assert "audience" in err["message"]
    good = sign_in([GRAPH_SEND])["access_token"]
    sandbox.expire_access_tokens()
    err = assert_graph_error(send(payload(), token=good), 401, "InvalidAuthenticationToken")
    assert "expired" in err["message"]


@pytest.mark.parametrize(
    ("scenario", "options", "status", "code"),
    [
        ("throttle", {"retry_after": 7}, 429, "ApplicationThrottled"),
        ("server_busy", {"retry_after": 3}, 503, "ServiceUnavailable"),
        ("mailbox_not_enabled", {}, 404, "MailboxNotEnabledForRESTAPI"),
        ("invalid_token", {}, 401, "InvalidAuthenticationToken"),
    ],
)
def test_scenarios(
    sandbox: Sandbox, send: Callable, scenario: str, options: dict[str, Any], status: int, code: str
) -> None:
    send(payload())  # sign in first, so the scenario meets only the send
    sandbox.set_scenario(scenario, count=2, **options)
    for _ in range(2):
        r = send(payload())
        assert_graph_error(r, status, code)
        if "retry_after" in options:
            assert r.headers["Retry-After"] == str(options["retry_after"])
    assert send(payload()).status_code == 202  # the scenario was used up
    assert len(sandbox.messages()) == 2


def test_throttle_only_graph_when_asked(sandbox: Sandbox, send: Callable) -> None:
    sandbox.set_scenario("throttle", api="ews")
    assert send(payload()).status_code == 202


def test_me(sandbox: Sandbox, http: Any, sign_in: Callable) -> None:
    token = sign_in([GRAPH_USER], account="ops@contoso.example")["access_token"]
    r = http.get(f"{sandbox.graph_endpoint}/v1.0/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    me = r.json()
    assert me["userPrincipalName"] == me["mail"] == "ops@contoso.example"
    assert me["displayName"] == "Ops Team"


def test_parallel_sends_all_delivered(sandbox: Sandbox, send: Callable) -> None:
    from concurrent.futures import ThreadPoolExecutor

    send(payload())
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda i: send(payload([f"user{i}@example.com"])).status_code, range(16))
        )
    assert codes == [202] * 16
    delivered = sandbox.load_messages()
    assert len(delivered) == 17 and len({m.path for m in delivered}) == 17
    assert {m.to[0] for m in delivered} >= {f"user{i}@example.com" for i in range(16)}


def test_zero_retry_after_for_quick_tests(sandbox: Sandbox, send: Callable) -> None:
    send(payload())
    sandbox.set_scenario("throttle", retry_after=0)
    assert send(payload()).headers["Retry-After"] == "0"
