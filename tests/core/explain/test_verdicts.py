"""One verdict per failure, decided where the failure is explained (issue 19): every row of every
code table (Graph, EWS, SMTP replies, Entra ID) gives an Explanation whose verdict is one of
errors.VERDICTS, and the rules the outbox relies on hold (unknown 4xx: message; unknown 5xx:
service; SMTP 5xx after DATA: message, at RCPT: recipients with the refused addresses; ...)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from pathlib import Path
from typing import Any

import exchangelib.errors as ews_errors
import pytest

from alloy_tui.core.errors import VERDICTS, Explanation
from alloy_tui.core.explain import ExplainContext, explain, explain_aad, explain_graph
from alloy_tui.core.explain.app_only import AppHints, explain_app_token, explain_no_roles
from alloy_tui.core.explain.entra_codes import AADSTS, ERRORS, SUBERRORS
from alloy_tui.core.explain.ews import explain_ews
from alloy_tui.core.explain.ews_codes import BY_CLASS, BY_TYPE, SERVER_SIDE
from alloy_tui.core.explain.ews_http import http_failure
from alloy_tui.core.explain.graph_codes import CODES
from alloy_tui.core.explain.network import explain_network
from alloy_tui.core.explain.smtp import SmtpExplainContext, explain_smtp
from alloy_tui.core.outbox.policy import verdict_of

CTX = ExplainContext(account="alerts@contoso.example", client_id="c1", tenant="t1")
SMTP_CTX = SmtpExplainContext(host="relay.contoso.example", port=587, security="starttls")


def graph(status: int, code: str = "", message: str = "said.") -> Explanation:
    body = {"error": {"code": code, "message": message}} if code else None
    return explain_graph(status, body, {}, CTX)


def decided(ex: Explanation) -> str:
    assert ex.verdict in VERDICTS, ex
    assert verdict_of(ex) == ex.verdict  # the outbox reads the explainer's verdict as is
    return ex.verdict


# ------------------------------------------------------------------ Graph
@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("status", [400, 403, 404, 413, 429, 500, 503])
def test_every_graph_code_has_a_verdict(code: str, status: int) -> None:
    decided(graph(status, code))


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [
        (400, "ErrorMimeContentConversionFailed", "message"),  # the NUL byte cron mail
        (413, "RequestEntityTooLarge", "message"),  # the 4.6 MB JSON draft
        (400, "ErrorMessageSizeExceeded", "message"),
        (400, "ErrorQuotaExceeded", "service"),
        (400, "ErrorSomethingNew", "message"),  # unknown 4xx: this message
        (422, "", "message"),
        (418, "", "message"),
        (401, "", "service"),  # a sign-in (after the runner refreshed once)
        (401, "InvalidAuthenticationToken", "service"),
        (403, "SomethingElse", "settings"),
        (403, "ErrorAccessDenied", "settings"),
        (408, "RequestTimeout", "retry"),
        (429, "", "service"),
        (429, "ApplicationThrottled", "service"),
        (500, "", "service"),  # unknown 5xx: the service
        (502, "BadGateway", "service"),
        (503, "ServiceUnavailable", "service"),
        (504, "GatewayTimeout", "service"),
        (404, "ResourceNotFound", "settings"),
        (403, "ErrorSendAsDenied", "message"),
        (400, "ErrorMessageSubmissionBlocked", "settings"),
    ],
)
def test_graph_verdicts(status: int, code: str, verdict: str) -> None:
    assert decided(graph(status, code)) == verdict


def test_graph_invalid_recipients_names_the_refused_address() -> None:
    ex = graph(
        400,
        "ErrorInvalidRecipients",
        "At least one recipient is not valid., Recipient 'bad@nowhere.example' is not resolved.",
    )
    assert decided(ex) == "recipients"
    assert ex.details["refused_recipients"] == ["bad@nowhere.example"]


# ------------------------------------------------------------------ EWS
def _ews_exception(name: str) -> BaseException:
    cls = getattr(ews_errors, name)
    if name == "RateLimitError":
        return cls("Max timeout reached", 30.0)
    if name == "RedirectError":
        return cls("https://elsewhere.example/EWS/Exchange.asmx")
    for args in (
        ("Exchange says no",),
        ("Exchange says no", None),
        ("Exchange says no", None, 0, 0),
    ):
        try:
            return cls(*args)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {name}")


EWS_NAMES = sorted({n for names, _b in BY_CLASS for n in names} | set(SERVER_SIDE))


@pytest.mark.parametrize("name", EWS_NAMES)
def test_every_ews_row_has_a_verdict(name: str) -> None:
    decided(explain_ews(_ews_exception(name), CTX))


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("ErrorInvalidRecipients", "recipients"),
        ("ErrorMessageSizeExceeded", "message"),
        ("ErrorMimeContentConversionFailed", "message"),  # not in the table: an unknown Error
        ("ErrorServerBusy", "service"),
        ("ErrorSendAsDenied", "message"),
        ("ErrorAccountDisabled", "settings"),
        ("ErrorMailboxStoreUnavailable", "service"),
        ("ErrorQuotaExceeded", "service"),
    ],
)
def test_ews_verdicts(name: str, verdict: str) -> None:
    assert decided(explain_ews(_ews_exception(name), CTX)) == verdict


@pytest.mark.parametrize("name", sorted(BY_TYPE))
def test_every_oauthlib_row_has_a_verdict(name: str) -> None:
    from oauthlib.oauth2.rfc6749 import errors as oauth_errors

    cls = getattr(oauth_errors, name)
    decided(explain(cls("no"), CTX))


@pytest.mark.parametrize(
    ("status", "verdict"),
    [(403, "settings"), (404, "settings"), (400, "message"), (401, "service"), (500, "service")],
)
def test_ews_http_failures(status: int, verdict: str) -> None:
    assert decided(http_failure(ValueError("x"), CTX, status, f"Code: {status}")) == verdict


# ------------------------------------------------------------------ SMTP
def refused(**by_address: tuple[int, bytes]) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused(dict(by_address))


SMTP_CASES: list[tuple[BaseException, str]] = [
    (smtplib.SMTPDataError(554, b"5.6.0 Message content rejected"), "message"),
    (smtplib.SMTPDataError(550, b"5.7.1 Message rejected as spam"), "message"),
    (smtplib.SMTPDataError(552, b"5.3.4 Message size exceeds fixed limit"), "message"),
    (smtplib.SMTPDataError(451, b"4.3.0 Temporary failure"), "retry"),
    (smtplib.SMTPDataError(452, b"4.3.1 Insufficient system storage"), "retry"),
    (smtplib.SMTPResponseException(421, b"4.3.2 Service not available, closing"), "service"),
    (smtplib.SMTPResponseException(454, b"4.7.0 TLS not available"), "service"),
    (smtplib.SMTPConnectError(421, b"too many connections"), "service"),
    (smtplib.SMTPConnectError(554, b"no service for you"), "settings"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication failed"), "settings"),
    (smtplib.SMTPAuthenticationError(534, b"5.7.9 Please log in with your browser"), "settings"),
    (smtplib.SMTPResponseException(530, b"5.7.0 Authentication required"), "settings"),
    (smtplib.SMTPResponseException(538, b"5.7.11 Encryption required"), "settings"),
    (smtplib.SMTPAuthenticationError(535, b"5.7.139 Authentication unsuccessful"), "settings"),
    (
        smtplib.SMTPResponseException(550, b"5.7.30 Basic authentication is not supported"),
        "settings",
    ),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not owned", "x@y"), "message"),
    (smtplib.SMTPSenderRefused(451, b"4.1.8 Try later", "x@y"), "retry"),
    (smtplib.SMTPHeloError(501, b"5.5.4 Bad HELO"), "settings"),
    (refused(**{"bad@x.example": (550, b"5.1.1 User unknown")}), "recipients"),
    (refused(**{"ops@x.example": (451, b"4.2.0 Greylisted")}), "retry"),
    (refused(**{"ops@x.example": (550, b"5.7.1 Relaying denied")}), "recipients"),
    (ConnectionRefusedError(111, "Connection refused"), "service"),
    (TimeoutError("timed out"), "service"),
    (socket.gaierror(-2, "Name or service not known"), "service"),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "service"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed"), "settings"),
]


@pytest.mark.parametrize(("exc", "verdict"), SMTP_CASES, ids=lambda v: repr(v)[:60])
def test_smtp_verdicts(exc: BaseException, verdict: str) -> None:
    assert decided(explain_smtp(exc, SMTP_CTX)) == verdict


def test_smtp_rcpt_refusal_names_only_the_permanent_addresses() -> None:
    exc = refused(
        **{"bad@x.example": (550, b"5.1.1 User unknown"), "ops@x.example": (451, b"4.2.0 Later")}
    )
    ex = explain_smtp(exc, SMTP_CTX)
    assert decided(ex) == "recipients"
    assert ex.details["refused_recipients"] == ["bad@x.example"]


# ------------------------------------------------------------------ Entra ID, app-only, network
@pytest.mark.parametrize("code", sorted(AADSTS))
def test_every_aadsts_code_has_a_verdict(code: str) -> None:
    result: dict[str, Any] = {
        "error": "invalid_grant",
        "error_codes": [int(code)],
        "error_description": f"AADSTS{code}: no.",
    }
    decided(explain_aad(result, CTX))


@pytest.mark.parametrize("error", sorted(ERRORS))
def test_every_oauth_error_has_a_verdict(error: str) -> None:
    decided(explain_aad({"error": error, "error_description": "no."}, CTX))


@pytest.mark.parametrize("suberror", sorted(SUBERRORS))
def test_every_suberror_has_a_verdict(suberror: str) -> None:
    decided(explain_aad({"error": "invalid_grant", "suberror": suberror}, CTX))


def test_sign_in_needed_is_the_service_and_a_broken_app_is_the_settings() -> None:
    dead = {"error": "invalid_grant", "error_codes": [70008], "error_description": "AADSTS70008"}
    assert decided(explain_aad(dead, CTX)) == "service"
    public = {"error": "invalid_client", "error_codes": [7000218], "error_description": "x"}
    assert decided(explain_aad(public, CTX)) == "settings"


def test_app_only_explanations_have_verdicts() -> None:
    hints = AppHints(
        Path("/etc/alloy/cert.pem"), Path("/etc/alloy/cert.pub"), "AB", "box@x.example"
    )
    result = {"error": "invalid_client", "error_codes": [700027], "error_description": "x"}
    decided(explain_app_token(result, CTX, hints))
    decided(explain_no_roles(CTX, hints))


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        socket.gaierror(-2, "Name or service not known"),
        OSError(101, "Network is unreachable"),
        ssl.SSLCertVerificationError(1, "certificate verify failed"),
    ],
    ids=repr,
)
def test_network_failures_have_verdicts(exc: BaseException) -> None:
    verdict = decided(explain_network(exc, CTX))
    assert verdict == ("settings" if isinstance(exc, ssl.SSLError) else "service")


def test_the_fallback_for_an_explanation_without_a_verdict() -> None:
    def ex(code: str) -> Explanation:
        return Explanation("t", "c", "f", code=code)

    table = {
        "smtp.550": "message",
        "smtp.535": "settings",
        "smtp.451": "retry",
        "smtp.421": "service",
        "http.413": "message",
        "http.503": "service",
        "http.401": "service",
        "http.403": "settings",
        "message.too_big": "message",
        "config": "settings",
        "not_signed_in": "service",
        "something.new": "service",  # unknown: the message waits rather than being lost
    }
    assert {code: verdict_of(ex(code)) for code in table} == table
