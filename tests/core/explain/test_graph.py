"""Graph sendMail error responses -> specific titles and fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from alloy_tui.core.explain.dispatch import explain, explain_graph
from tests.helpers.explain_contexts import ACCOUNT, OWNER, contexts
from tests.helpers.fault_servers import json_responder, tls_server

CTX, PLAIN = contexts("graph")


def body(code: str, message: str = "Something.", request_id: str = "req-0001") -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-11-01T10:00:00",
                "request-id": request_id,
                "client-request-id": "creq-1",
            },
        }
    }


def test_send_as_denied_names_both_users_and_outlook_steps() -> None:
    ex = explain_graph(
        403,
        body(
            "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.",
        ),
        {},
        CTX,
    )
    assert ex.code == "ErrorSendAsDenied"
    assert "on behalf" in ex.title
    assert OWNER in ex.cause and ACCOUNT in ex.cause
    assert f"{OWNER} grants Send On Behalf to {ACCOUNT}" in ex.fix
    assert (
        f"File > Info > Account Settings > Delegate Access > Add > {ACCOUNT}'s mailbox > None for each folder > OK"
        in ex.fix
    )
    assert f'Set-Mailbox -Identity {OWNER} -GrantSendOnBehalfTo @{{Add="{ACCOUNT}"}}' in ex.fix
    assert ex.request_id == "req-0001"
    assert not ex.retryable


# code, status, title contains, fix contains
CASES = [
    (
        "ErrorAccessDenied",
        403,
        "Access denied",
        ["Mail.Send", "Grant admin consent", "alloy-tui login"],
    ),
    (
        "ErrorMailboxNotEnabledForRESTAPI",
        404,
        "no Exchange Online mailbox",
        ["Licenses", "Exchange Online"],
    ),
    ("MailboxNotEnabledForRESTAPI", 404, "no Exchange Online mailbox", ["Licenses"]),
    ("InvalidAuthenticationToken", 401, "sign in again", ["alloy-tui login"]),
    ("ErrorInvalidRecipients", 400, "recipient", ["recipient address"]),
    ("ErrorInvalidUser", 404, "Mailbox not found", ["Recipients > Mailboxes"]),
    ("ErrorMessageSubmissionBlocked", 403, "blocked from sending", ["Restricted entities"]),
    ("ErrorMessageSizeExceeded", 413, "too large", ["smaller"]),
]


@pytest.mark.parametrize(("code", "status", "title", "fixes"), CASES, ids=[c[0] for c in CASES])
def test_graph_codes(code: str, status: int, title: str, fixes: list[str]) -> None:
    ex = explain_graph(status, body(code, "Details from Microsoft."), {}, PLAIN)
    assert ex.code == code
    assert title.lower() in ex.title.lower()
    for needle in fixes:
        assert needle in ex.fix, (needle, ex.fix)
    assert ex.request_id == "req-0001"
    assert ex.details["status"] == status


def test_access_denied_on_behalf_adds_delegate_steps() -> None:
    ex = explain_graph(403, body("ErrorAccessDenied"), {}, CTX)
    assert "Delegate Access" in ex.fix
    assert "Mail.Send.Shared" in ex.fix


def test_mailbox_not_enabled_names_account() -> None:
    ex = explain_graph(404, body("ErrorMailboxNotEnabledForRESTAPI"), {}, PLAIN)
    assert ACCOUNT in ex.cause and ACCOUNT in ex.fix


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_is_retryable_and_mentions_limits(status: int) -> None:
    ex = explain_graph(
        status,
        body("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
        {"Retry-After": "7"},
        PLAIN,
    )
    assert ex.retryable
    assert "7 s" in ex.cause and "Retry-After" in ex.cause
    assert "30 messages per minute" in ex.fix
    assert ex.details["retry_after"] == "7"


def test_5xx_is_retryable() -> None:
    ex = explain_graph(500, body("UnknownError"), {}, PLAIN)
    assert ex.retryable
    assert "server error" in ex.title


def test_401_without_body() -> None:
    ex = explain_graph(401, None, {"request-id": "hdr-req-9"}, PLAIN)
    assert "sign in again" in ex.title.lower()
    assert ex.request_id == "hdr-req-9"


def test_unknown_code_generic_quotes_code() -> None:
    ex = explain_graph(
        400,
        body("ErrorSomethingNew", "A brand new failure. More text."),
        {"client-request-id": "c-1"},
        PLAIN,
    )
    assert "ErrorSomethingNew" in ex.title
    assert "A brand new failure." in ex.cause
    assert "More text" not in ex.cause
    assert ex.code == "ErrorSomethingNew"


def test_request_id_falls_back_to_headers_case_insensitively() -> None:
    ex = explain_graph(
        400,
        {"error": {"code": "BadRequest", "message": "x"}},
        {"Client-Request-Id": "abc-1"},
        PLAIN,
    )
    assert ex.request_id == "abc-1"


def test_message_with_token_is_redacted() -> None:
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl"
    ex = explain_graph(
        400, body("BadRequest", f"Invalid header Authorization: Bearer {token}"), {}, PLAIN
    )
    assert token not in f"{ex.cause} {ex.details}"


def test_real_httpx_response_and_status_error(tmp_path: Path) -> None:
    """A real 403 from a local HTTPS server: httpx.Headers and raise_for_status() both work."""
    payload = body("ErrorSendAsDenied", "Not allowed.", request_id="real-req-42")
    with tls_server(tmp_path, respond=json_responder(403, payload)) as srv:
        with httpx.Client(verify=srv.trusting_context(), trust_env=False, timeout=5) as client:
            response = client.post(f"https://localhost:{srv.port}/v1.0/me/sendMail", json={})
    ex = explain_graph(response.status_code, response.json(), response.headers, CTX)
    assert ex.code == "ErrorSendAsDenied" and ex.request_id == "real-req-42"
    with pytest.raises(httpx.HTTPStatusError) as info:
        response.raise_for_status()
    via_dispatch = explain(info.value, CTX)
    assert via_dispatch.code == "ErrorSendAsDenied"
    assert OWNER in via_dispatch.fix
