"""SMTP failures -> Explanation: the server's reply codes, TLS and network errors, in words.

`explain_smtp(exc, ctx)` takes any exception raised while talking to an SMTP server (smtplib's,
ssl's, socket's, or the two below that the transport raises itself) and a context that is an
`ExplainContext` (duck-typed: `host`, `account`, `from_address`, and optionally `port` and
`security`, which `SmtpExplainContext` adds).
"""

from __future__ import annotations

import errno
import smtplib
import socket
import ssl
from dataclasses import dataclass

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_line
from alloy_tui.core.explain.smtp_replies import (
    ctx_get,
    explain_recipients_refused,
    explain_reply,
    make,
    port_hint,
    where_text,
)

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class StartTlsNotOffered(smtplib.SMTPNotSupportedError):
    """security = "starttls" but the server's EHLO reply does not offer STARTTLS."""


class AuthNotOffered(smtplib.SMTPNotSupportedError):
    """A username is configured but the server offers no AUTH mechanism (on this connection)."""


@dataclass(frozen=True)
class SmtpExplainContext(ExplainContext):
    port: int = 0
    security: str = ""


def explain_smtp(exc: BaseException, ctx: ExplainContext) -> Explanation:
    """Explain a failure while connecting, securing, authenticating or sending over SMTP."""
    where = where_text(ctx)
    account = ctx_get(ctx, "account") or "the configured username"
    if isinstance(exc, StartTlsNotOffered):
        return make(
            "The server does not offer STARTTLS",
            f"{where} did not list STARTTLS in its EHLO reply, so the connection cannot be "
            "encrypted. alloy-tui never falls back to sending in the clear.",
            'If the server speaks SSL/TLS from the start (usually port 465), set smtp.security = "ssl" '
            "and smtp.port = 465. If it really has no encryption (an internal relay on port 25), set "
            'smtp.security = "none" knowing that the message, and any password, travel unencrypted.'
            + port_hint(ctx),
            "smtp.starttls_missing",
            verdict="settings",
        )
    if isinstance(exc, AuthNotOffered) or (
        isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper()
    ):
        security = ctx_get(ctx, "security")
        extra = (
            ' Many servers offer AUTH only on an encrypted connection: try smtp.security = "starttls".'
            if security == "none"
            else ""
        )
        return make(
            "The server does not offer authentication",
            f"A username ({account}) is configured, but {where} lists no AUTH method.{extra}",
            "If this relay accepts mail from this server without a password, clear smtp.username; "
            "otherwise use the submission port the administrator of the mail server gives you "
            "(usually 587 with STARTTLS).",
            "smtp.auth_missing",
            verdict="settings",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return explain_recipients_refused(exc, ctx)
    if isinstance(exc, smtplib.SMTPResponseException):
        return explain_reply(exc, ctx)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and not _timed_out(exc):
        return make(
            "The server closed the connection",
            f"{where} hung up before the message was accepted ({first_line(str(exc)) or 'no reason given'})."
            + port_hint(ctx),
            "Check that smtp.port and smtp.security match what the server expects (587 with STARTTLS, "
            "465 with SSL/TLS, 25 for plain relay), and look in the mail server's log for why it "
            "dropped this client (IP not allowed, too many connections, TLS policy).",
            "smtp.disconnected",
            retryable=True,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate(exc, ctx)
    if isinstance(exc, ssl.SSLError):
        return _tls_failed(exc, ctx, where)
    return _connection_failed(exc, ctx, where)


def _tls_failed(exc: ssl.SSLError, ctx: ExplainContext, where: str) -> Explanation:
    reason = getattr(exc, "reason", "") or ""
    if reason in (
        "WRONG_VERSION_NUMBER",
        "UNKNOWN_PROTOCOL",
        "RECORD_LAYER_FAILURE",
    ) or "wrong version" in str(exc):
        return make(
            "TLS does not match this port",
            f"The TLS handshake with {where} failed ({reason or first_line(str(exc))}): the server "
            "is not speaking TLS at that point." + port_hint(ctx),
            'Use smtp.security = "ssl" only with a port that starts TLS at once (465); for port '
            '587 or 25 use "starttls".',
            "smtp.tls_mismatch",
            verdict="settings",
        )
    return make(
        "The secure connection failed",
        f"The TLS handshake with {where} failed: {first_line(str(exc))}.",
        "Check that the server supports TLS 1.2 or later and that smtp.port and smtp.security "
        "match the server." + port_hint(ctx),
        "tls",
        verdict="settings",
    )


def _connection_failed(exc: BaseException, ctx: ExplainContext, where: str) -> Explanation:
    """DNS, refused, timeouts, no route, and anything else while talking to the server."""
    if isinstance(exc, socket.gaierror):
        host = ctx_get(ctx, "host") or "the host"
        return make(
            "The server name does not resolve",
            f"DNS has no address for {host} ({exc.strerror or exc}).",
            "Check smtp.host for typos, and that this server's DNS resolver can see that name "
            "(try: getent hosts " + str(host) + ").",
            "dns",
        )
    if isinstance(exc, ConnectionRefusedError):
        return make(
            "Connection refused",
            f"Nothing accepted a connection at {where}: no mail server listens on that port, or a "
            "firewall rejected it.",
            "Check smtp.host and smtp.port (587 for STARTTLS, 465 for SSL/TLS, 25 for plain relay), "
            "and that the mail server is running.",
            "smtp.refused",
            retryable=True,
        )
    if isinstance(exc, TimeoutError | socket.timeout) or _timed_out(exc):
        return make(
            "The server did not answer in time",
            f"{where} did not respond within the timeout.{port_hint(ctx)}",
            "Check that a firewall allows outgoing connections to that port (many cloud providers "
            "block port 25), that smtp.port and smtp.security match the server, or raise "
            "network.timeout.",
            "timeout",
            retryable=True,
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return make(
            "The server cannot be reached",
            f"There is no network route to {where} ({exc.strerror}).",
            "Check this server's network connection, routing and firewall, and smtp.host.",
            "network",
            retryable=True,
        )
    if isinstance(exc, smtplib.SMTPException | OSError):
        return make(
            "Sending over SMTP failed",
            f"Talking to {where} failed: {first_line(str(exc)) or type(exc).__name__}.",
            "Check smtp.host, smtp.port and smtp.security, and the mail server's log.",
            "smtp.error",
        )
    return make(
        "Sending over SMTP failed",
        f"Unexpected error while talking to {where}: {type(exc).__name__}: {first_line(str(exc))}",
        "Run `alloy-tui status` for details; if it persists, report it.",
        "smtp.unexpected",
    )


def _timed_out(exc: BaseException) -> bool:
    """smtplib turns a read timeout into SMTPServerDisconnected("...: timed out")."""
    return isinstance(exc.__context__, TimeoutError) or str(exc).endswith("timed out")


def _certificate(exc: ssl.SSLCertVerificationError, ctx: ExplainContext) -> Explanation:
    where = where_text(ctx)
    host = ctx_get(ctx, "host")
    vcode = getattr(exc, "verify_code", 0)
    vmsg = getattr(exc, "verify_message", "") or first_line(str(exc))
    if vcode in (62, 64) or "mismatch" in str(vmsg).lower() or "doesn't match" in str(exc):
        return make(
            "The certificate is for a different name",
            f"{where} presented a certificate that is not valid for {host!r} ({vmsg}).",
            "Set smtp.host to the name on the server's certificate (the one its administrator "
            "publishes, e.g. smtp.example.com rather than an IP address or an internal alias). "
            "Certificate checks stay on.",
            "tls.hostname",
            verdict="settings",
            verify_code=vcode,
        )
    if vcode == 10 or "expired" in str(vmsg).lower():
        return make(
            "The server's certificate has expired",
            f"{where} presented an expired certificate ({vmsg}).",
            "The mail server's administrator must renew its certificate. Also check this server's clock.",
            "tls.expired",
            verdict="settings",
            verify_code=vcode,
        )
    return make(
        "The server's certificate is not trusted",
        f"{where} presented a certificate from an authority this server does not trust ({vmsg}).",
        "If the mail server uses an internal CA, or TLS inspection re-signs traffic, save that CA's "
        "certificate as a PEM file and set network.ca_bundle to its path (it is added to the "
        "system store). Certificate checks are never turned off.",
        "tls.untrusted",
        verdict="settings",
        verify_code=vcode,
    )
