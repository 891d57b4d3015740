"""SMTP failures -> Explanation: the server's reply codes, TLS and network errors, in words.

`explain_smtp(exc, ctx)` takes any exception raised while talking to an SMTP server (smtplib's,
ssl's, socket's, or the two below that the transport raises itself) and a context that is an
`ExplainContext` (duck-typed: `host`, `account`, `from_address`, and optionally `port` and
`security`, which `SmtpExplainContext` adds).
"""

from __future__ import annotations

import errno
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain_common import ExplainContext, first_line

ENHANCED_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
O365_HOSTS = ("office365.com", "outlook.com", "office365.us", "partner.outlook.cn")


class StartTlsNotOffered(smtplib.SMTPNotSupportedError):
    """security = "starttls" but the server's EHLO reply does not offer STARTTLS."""


class AuthNotOffered(smtplib.SMTPNotSupportedError):
    """A username is configured but the server offers no AUTH mechanism (on this connection)."""


@dataclass(frozen=True)
class SmtpExplainContext(ExplainContext):
    port: int = 0
    security: str = ""


def _ctx(ctx: Any, name: str, default: Any = "") -> Any:
    value = getattr(ctx, name, default)
    return default if value is None else value


def _where(ctx: Any) -> str:
    host = _ctx(ctx, "host") or "the SMTP server"
    port = _ctx(ctx, "port", 0)
    return f"{host}:{port}" if port and ":" not in str(host) else str(host)


def _reply(exc: BaseException) -> tuple[int, str]:
    code = getattr(exc, "smtp_code", 0) or 0
    msg = getattr(exc, "smtp_error", b"")
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    text = " ".join(str(msg).split())
    return int(code), first_line(text, limit=300)


def _enhanced(text: str) -> str:
    m = ENHANCED_RE.search(text)
    return ".".join(m.groups()) if m else ""


def _is_o365(ctx: Any) -> bool:
    host = str(_ctx(ctx, "host")).lower()
    return any(h in host for h in O365_HOSTS)


def _port_hint(ctx: Any) -> str:
    """A sentence when port and security look mismatched (587+ssl, 465+starttls...)."""
    port = _ctx(ctx, "port", 0)
    security = _ctx(ctx, "security")
    if port == 465 and security in ("starttls", "none"):
        return ' Port 465 expects SSL/TLS from the first byte: set smtp.security = "ssl".'
    if port in (25, 587) and security == "ssl":
        return f' Port {port} speaks plain SMTP first: set smtp.security = "starttls" (or "none").'
    return ""


def _exp(
    title: str, cause: str, fix: str, code: str, *, retryable: bool = False, **details: Any
) -> Explanation:
    return Explanation(
        title=title,
        cause=cause,
        fix=fix,
        code=code,
        retryable=retryable,
        details={k: v for k, v in details.items() if v not in ("", 0, None)},
    )


def explain_smtp(exc: BaseException, ctx: Any) -> Explanation:
    """Explain a failure while connecting, securing, authenticating or sending over SMTP."""
    where = _where(ctx)
    account = _ctx(ctx, "account") or "the configured username"
    if isinstance(exc, StartTlsNotOffered):
        return _exp(
            "The server does not offer STARTTLS",
            f"{where} did not list STARTTLS in its EHLO reply, so the connection cannot be "
            "encrypted. alloy-tui never falls back to sending in the clear.",
            'If the server speaks SSL/TLS from the start (usually port 465), set smtp.security = "ssl" '
            "and smtp.port = 465. If it really has no encryption (an internal relay on port 25), set "
            'smtp.security = "none" knowing that the message, and any password, travel unencrypted.'
            + _port_hint(ctx),
            "smtp.starttls_missing",
        )
    if isinstance(exc, AuthNotOffered) or (
        isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper()
    ):
        security = _ctx(ctx, "security")
        extra = (
            ' Many servers offer AUTH only on an encrypted connection: try smtp.security = "starttls".'
            if security == "none"
            else ""
        )
        return _exp(
            "The server does not offer authentication",
            f"A username ({account}) is configured, but {where} lists no AUTH method.{extra}",
            "If this relay accepts mail from this server without a password, clear smtp.username; "
            "otherwise use the submission port the administrator of the mail server gives you "
            "(usually 587 with STARTTLS).",
            "smtp.auth_missing",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _recipients_refused(exc, ctx)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _response(exc, ctx)
    if isinstance(exc, smtplib.SMTPServerDisconnected) and not _timed_out(exc):
        return _exp(
            "The server closed the connection",
            f"{where} hung up before the message was accepted ({first_line(str(exc)) or 'no reason given'})."
            + _port_hint(ctx),
            "Check that smtp.port and smtp.security match what the server expects (587 with STARTTLS, "
            "465 with SSL/TLS, 25 for plain relay), and look in the mail server's log for why it "
            "dropped this client (IP not allowed, too many connections, TLS policy).",
            "smtp.disconnected",
            retryable=True,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate(exc, ctx)
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", "") or ""
        if reason in (
            "WRONG_VERSION_NUMBER",
            "UNKNOWN_PROTOCOL",
            "RECORD_LAYER_FAILURE",
        ) or "wrong version" in str(exc):
            return _exp(
                "TLS does not match this port",
                f"The TLS handshake with {where} failed ({reason or first_line(str(exc))}): the server "
                "is not speaking TLS at that point." + _port_hint(ctx),
                'Use smtp.security = "ssl" only with a port that starts TLS at once (465); for port '
                '587 or 25 use "starttls".',
                "smtp.tls_mismatch",
            )
        return _exp(
            "The secure connection failed",
            f"The TLS handshake with {where} failed: {first_line(str(exc))}.",
            "Check that the server supports TLS 1.2 or later and that smtp.port and smtp.security "
            "match the server." + _port_hint(ctx),
            "tls",
        )
    if isinstance(exc, socket.gaierror):
        host = _ctx(ctx, "host") or "the host"
        return _exp(
            "The server name does not resolve",
            f"DNS has no address for {host} ({exc.strerror or exc}).",
            "Check smtp.host for typos, and that this server's DNS resolver can see that name "
            "(try: getent hosts " + str(host) + ").",
            "dns",
        )
    if isinstance(exc, ConnectionRefusedError):
        return _exp(
            "Connection refused",
            f"Nothing accepted a connection at {where}: no mail server listens on that port, or a "
            "firewall rejected it.",
            "Check smtp.host and smtp.port (587 for STARTTLS, 465 for SSL/TLS, 25 for plain relay), "
            "and that the mail server is running.",
            "smtp.refused",
            retryable=True,
        )
    if isinstance(exc, TimeoutError | socket.timeout) or _timed_out(exc):
        return _exp(
            "The server did not answer in time",
            f"{where} did not respond within the timeout.{_port_hint(ctx)}",
            "Check that a firewall allows outgoing connections to that port (many cloud providers "
            "block port 25), that smtp.port and smtp.security match the server, or raise "
            "network.timeout.",
            "timeout",
            retryable=True,
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return _exp(
            "The server cannot be reached",
            f"There is no network route to {where} ({exc.strerror}).",
            "Check this server's network connection, routing and firewall, and smtp.host.",
            "network",
            retryable=True,
        )
    if isinstance(exc, smtplib.SMTPException | OSError):
        return _exp(
            "Sending over SMTP failed",
            f"Talking to {where} failed: {first_line(str(exc)) or type(exc).__name__}.",
            "Check smtp.host, smtp.port and smtp.security, and the mail server's log.",
            "smtp.error",
        )
    return _exp(
        "Sending over SMTP failed",
        f"Unexpected error while talking to {where}: {type(exc).__name__}: {first_line(str(exc))}",
        "Run `alloy-tui status` for details; if it persists, report it.",
        "smtp.unexpected",
    )


def _timed_out(exc: BaseException) -> bool:
    """smtplib turns a read timeout into SMTPServerDisconnected("...: timed out")."""
    return isinstance(exc.__context__, TimeoutError) or str(exc).endswith("timed out")


def _certificate(exc: ssl.SSLCertVerificationError, ctx: Any) -> Explanation:
    where = _where(ctx)
    host = _ctx(ctx, "host")
    vcode = getattr(exc, "verify_code", 0)
    vmsg = getattr(exc, "verify_message", "") or first_line(str(exc))
    if vcode in (62, 64) or "mismatch" in str(vmsg).lower() or "doesn't match" in str(exc):
        return _exp(
            "The certificate is for a different name",
            f"{where} presented a certificate that is not valid for {host!r} ({vmsg}).",
            "Set smtp.host to the name on the server's certificate (the one its administrator "
            "publishes, e.g. smtp.example.com rather than an IP address or an internal alias). "
            "Certificate checks stay on.",
            "tls.hostname",
            verify_code=vcode,
        )
    if vcode == 10 or "expired" in str(vmsg).lower():
        return _exp(
            "The server's certificate has expired",
            f"{where} presented an expired certificate ({vmsg}).",
            "The mail server's administrator must renew its certificate. Also check this server's clock.",
            "tls.expired",
            verify_code=vcode,
        )
    return _exp(
        "The server's certificate is not trusted",
        f"{where} presented a certificate from an authority this server does not trust ({vmsg}).",
        "If the mail server uses an internal CA, or TLS inspection re-signs traffic, save that CA's "
        "certificate as a PEM file and set network.ca_bundle to its path (it is added to the "
        "system store). Certificate checks are never turned off.",
        "tls.untrusted",
        verify_code=vcode,
    )


def _recipients_refused(exc: smtplib.SMTPRecipientsRefused, ctx: Any) -> Explanation:
    refused: dict[str, tuple[int, bytes]] = getattr(exc, "recipients", {}) or {}
    who = ", ".join(sorted(refused)) or "every recipient"
    code, text = 0, ""
    for code_, msg in refused.values():
        code = int(code_)
        text = first_line(msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg))
        break
    enh = _enhanced(text)
    if _is_relay_denied(code, enh, text):
        return _relay_denied(ctx, code, text, enh)
    if enh in ("5.1.1", "5.1.10", "5.1.0") or code == 550 and "unknown" in text.lower():
        return _exp(
            "The recipient does not exist",
            f"The server refused {who}: {code} {text}",
            "Check the recipient address for typos.",
            f"smtp.{code}",
            smtp_code=code,
            enhanced=enh,
            reply=text,
        )
    return _exp(
        "The server refused the recipients",
        f"The server refused {who}: {code} {text}",
        "Check the recipient addresses, and the mail server's log for its reason.",
        f"smtp.{code}",
        retryable=400 <= code < 500,
        smtp_code=code,
        enhanced=enh,
        reply=text,
    )


def _is_relay_denied(code: int, enh: str, text: str) -> bool:
    low = text.lower()
    return (
        "relay" in low
        and code in (550, 551, 553, 554)
        or (enh == "5.7.1" and "relay" in low)
        or (enh == "5.7.54")
    )


def _relay_denied(ctx: Any, code: int, text: str, enh: str) -> Explanation:
    where = _where(ctx)
    account = _ctx(ctx, "account")
    auth = (
        f"It does not let {account} send to outside addresses."
        if account
        else "No username is configured, so the server treats this as an anonymous relay attempt."
    )
    return _exp(
        "The server refuses to relay",
        f"{where} answered {code} {text}. {auth}",
        "Either authenticate (set smtp.username and its password) on the submission port, or ask "
        "the mail server's administrator to allow this server's IP address to relay (Exchange: a "
        "receive connector with this IP in RemoteIPRanges; Postfix: mynetworks).",
        f"smtp.{code}",
        smtp_code=code,
        enhanced=enh,
        reply=text,
    )


def _response(exc: smtplib.SMTPResponseException, ctx: Any) -> Explanation:
    code, text = _reply(exc)
    enh = _enhanced(text)
    where = _where(ctx)
    account = _ctx(ctx, "account") or "the configured username"
    from_address = _ctx(ctx, "from_address") or "the From address"
    d: dict[str, Any] = {"smtp_code": code, "enhanced": enh, "reply": text}
    said = f"{where} answered: {code} {text}"
    if enh == "5.7.139" or (
        code == 535 and "smtpclientauthentication" in text.lower().replace(" ", "")
    ):
        return _exp(
            "Basic authentication is turned off for SMTP in Microsoft 365",
            f"{said}. Microsoft 365 refuses a username and password for SMTP submission for "
            f"{account} (SMTP AUTH is disabled for the mailbox or the tenant, or Security "
            "defaults block it).",
            "Recommended: choose the service 'Microsoft 365 (Exchange Online)' in alloy-tui, which "
            "signs in with OAuth and sends through Microsoft Graph. Or, if policy allows it, turn SMTP "
            f"AUTH on for this mailbox in Exchange Online PowerShell: Set-CASMailbox -Identity {account} "
            "-SmtpClientAuthenticationDisabled $false (and check Set-TransportConfig "
            "-SmtpClientAuthenticationDisabled and Security defaults in Entra ID). Microsoft is "
            "retiring Basic authentication for SMTP AUTH, so OAuth is the lasting fix.",
            "smtp.535-5.7.139",
            **d,
        )
    if enh == "5.7.30":
        return _exp(
            "Basic authentication is not supported for client submission",
            f"{said}. The server no longer accepts a username and password for sending.",
            "Choose the service 'Microsoft 365 (Exchange Online)' in alloy-tui, which signs in with "
            "OAuth and sends through Microsoft Graph.",
            f"smtp.{code}-5.7.30",
            **d,
        )
    if enh == "5.7.57":
        return _exp(
            "The server requires authentication",
            f"{said}. The server only accepts mail from a signed-in client on this port.",
            "Set smtp.username (the mailbox that sends, e.g. alerts@contoso.com) and store its "
            "password with the setup wizard (or set smtp.password_command / smtp.password_env); "
            'for smtp.office365.com use port 587 with smtp.security = "starttls".',
            f"smtp.{code}-5.7.57",
            **d,
        )
    if enh == "5.7.60" or "sendasdenied" in text.lower().replace(" ", ""):
        return _exp(
            "Not allowed to send as this From address",
            f"{said}. {account} has no right to send as {from_address}.",
            f"Give {account} Send As on {from_address} (Exchange PowerShell: Add-RecipientPermission "
            f"-Identity {from_address} -Trustee {account} -AccessRights SendAs), or have the owner of "
            f"{from_address} grant Send On Behalf in Outlook: File > Info > Account Settings > "
            f"Delegate Access > Add > choose {account} > None for each folder > OK. Or leave the From "
            f"address empty so messages come from {account} itself.",
            f"smtp.{code}-5.7.60",
            **d,
        )
    if enh == "5.7.0" and "starttls" in text.lower():
        return _exp(
            "The server requires STARTTLS first",
            f"{said}.",
            'Set smtp.security = "starttls" (usually with port 587).',
            f"smtp.{code}-5.7.0",
            **d,
        )
    if _is_relay_denied(code, enh, text):
        return _relay_denied(ctx, code, text, enh)
    if (
        isinstance(exc, smtplib.SMTPAuthenticationError)
        or code in (534, 535)
        or enh in ("5.7.8", "5.7.3")
    ):
        if code == 534 or enh in ("5.7.9", "5.7.14"):
            return _exp(
                "The server wants another kind of sign-in",
                f"{said}. It refuses a plain password for {account}.",
                "Use an app password if the provider offers one, or a service that signs in with "
                "OAuth (for Microsoft 365: the 'Microsoft 365 (Exchange Online)' service).",
                f"smtp.{code}",
                **d,
            )
        return _exp(
            "The username or password is wrong",
            f"{said}. The server refused the sign-in for {account}.",
            "Check smtp.username (often the full e-mail address) and store the right password with "
            "the setup wizard, or fix the command or environment variable it comes from. Also check "
            "that the account is not locked.",
            f"smtp.{code}",
            **d,
        )
    if 400 <= code < 500:
        return _exp(
            "The server asked to try again later",
            f"{said}.",
            "This is temporary (busy, throttled or greylisted); the next notification will try again.",
            f"smtp.{code}",
            retryable=True,
            **d,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _exp(
            "The server refused the From address",
            f"{said}. It will not accept mail from {from_address}.",
            "Set message.default_from (or the From address) to an address this account may send as.",
            f"smtp.{code}",
            retryable=400 <= code < 500,
            **d,
        )
    if isinstance(exc, smtplib.SMTPConnectError):
        return _exp(
            "The server refused this client",
            f"{said} when we connected.",
            "The mail server does not accept connections from this server right now; check its "
            "access rules and log.",
            f"smtp.{code}",
            retryable=400 <= code < 500,
            **d,
        )
    if code == 552 or enh in ("5.3.4", "5.2.3"):
        return _exp(
            "The message is too large",
            f"{said}.",
            "Send a smaller message or raise the server's size limit.",
            f"smtp.{code}",
            **d,
        )
    return _exp(
        "The server refused the message",
        f"{said}.",
        "Look up the code in the mail server's documentation or log; check the From and To addresses.",
        f"smtp.{code}" if code else "smtp.error",
        **d,
    )
