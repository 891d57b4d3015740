"""explain_smtp on replies that are awkward to provoke from a live server, and a real timeout."""

from __future__ import annotations

import errno
import smtplib
import socket
import ssl
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.explain.common import ExplainContext
from alloy_tui.core.explain.smtp import SmtpExplainContext, StartTlsNotOffered, explain_smtp
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message

CTX = SmtpExplainContext(
    service="smtp",
    api="smtp",
    account="app@contoso.test",
    host="smtp.office365.com",
    port=587,
    security="starttls",
)


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (
            smtplib.SMTPAuthenticationError(
                535,
                b"5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully.",
            ),
            "smtp.535-5.7.139",
            "Set-CASMailbox -Identity app@contoso.test",
        ),
        (
            smtplib.SMTPSenderRefused(530, b"5.7.57 Client not authenticated to send mail.", "a@b"),
            "smtp.530-5.7.57",
            "smtp.username",
        ),
        (
            smtplib.SMTPSenderRefused(530, b"5.7.0 Must issue a STARTTLS command first", "a@b"),
            "smtp.530-5.7.0",
            "starttls",
        ),
        (
            smtplib.SMTPAuthenticationError(534, b"5.7.9 Application-specific password required"),
            "smtp.534",
            "app password",
        ),
        (
            smtplib.SMTPAuthenticationError(535, b"Incorrect authentication data"),
            "smtp.535",
            "password is wrong",
        ),
        (
            smtplib.SMTPDataError(552, b"5.3.4 Message size exceeds fixed limit"),
            "smtp.552",
            "smaller",
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"x@y": (550, b"5.7.54 SMTP; Unable to relay recipient in non-accepted domain")}
            ),
            "smtp.550",
            "relay",
        ),
        (
            smtplib.SMTPConnectError(554, b"5.7.1 Service unavailable; Client host blocked"),
            "smtp.554",
            "refused this client",
        ),
        (StartTlsNotOffered("no"), "smtp.starttls_missing", 'smtp.security = "ssl"'),
        (
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            "smtp.disconnected",
            "587 with STARTTLS",
        ),
        (OSError(errno.ENETUNREACH, "Network is unreachable"), "network", "routing"),
        (
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
            "dns",
            "getent hosts smtp.office365.com",
        ),
        (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), "smtp.refused", "smtp.port"),
        (TimeoutError("timed out"), "timeout", "network.timeout"),
        (
            ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
            "smtp.tls_mismatch",
            "465",
        ),
    ],
)
def test_explanations(exc: BaseException, code: str, words: str) -> None:
    ex = explain_smtp(exc, CTX)
    assert ex.code == code
    assert words.lower() in f"{ex.title} {ex.cause} {ex.fix}".lower()
    assert ex.title and ex.cause and ex.fix


def test_expired_certificate() -> None:
    err = ssl.SSLCertVerificationError(1, "certificate verify failed: certificate has expired")
    err.verify_code = 10
    err.verify_message = "certificate has expired"
    assert explain_smtp(err, CTX).code == "tls.expired"


def test_plain_explain_context_is_accepted() -> None:
    ctx = ExplainContext(service="smtp", api="smtp", account="u@x.test", host="mail.x.test")
    ex = explain_smtp(smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), ctx)
    assert "mail.x.test answered: 535" in ex.cause and "u@x.test" in ex.cause


def test_port_hint_when_starttls_is_used_on_465() -> None:
    ctx = SmtpExplainContext(host="mail.x.test", port=465, security="starttls")
    assert 'smtp.security = "ssl"' in explain_smtp(TimeoutError(), ctx).cause


def test_real_timeout_when_the_server_never_greets(tmp_path: Path) -> None:
    # A listening socket that never accepts: the TCP handshake completes, no banner ever comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        s = (
            Settings(service="smtp")
            .with_section("smtp", host="127.0.0.1", port=port, security="none")
            .with_section("network", timeout=0.3)
            .with_section("message", default_from="a@b.test")
        )
        with pytest.raises(ExplainedError) as e:
            send_message(
                s, tmp_path / "c.toml", OutgoingMessage(to=("x@y.test",), subject="s", body="b")
            )
    assert e.value.explanation.code == "timeout"
    assert e.value.explanation.retryable
