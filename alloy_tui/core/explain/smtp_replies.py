"""SMTP reply codes -> Explanation (535 5.7.139, 530 5.7.57, 5.7.60, relay denied...), and the
small helpers `explain_smtp` shares. Split out of explain_smtp.py to keep both short."""

from __future__ import annotations

import re
import smtplib
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_line

ENHANCED_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
O365_HOSTS = ("office365.com", "outlook.com", "office365.us", "partner.outlook.cn")


def ctx_get(ctx: ExplainContext, name: str, default: str | int = "") -> str | int:
    """A field of the context; port and security are only on `SmtpExplainContext`."""
    value = getattr(ctx, name, default)
    return default if value is None else value


def where_text(ctx: ExplainContext) -> str:
    host = ctx_get(ctx, "host") or "the SMTP server"
    port = ctx_get(ctx, "port", 0)
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


def _is_o365(ctx: ExplainContext) -> bool:
    host = str(ctx_get(ctx, "host")).lower()
    return any(h in host for h in O365_HOSTS)


def port_hint(ctx: ExplainContext) -> str:
    """A sentence when port and security look mismatched (587+ssl, 465+starttls...)."""
    port = ctx_get(ctx, "port", 0)
    security = ctx_get(ctx, "security")
    if port == 465 and security in ("starttls", "none"):
        return ' Port 465 expects SSL/TLS from the first byte: set smtp.security = "ssl".'
    if port in (25, 587) and security == "ssl":
        return f' Port {port} speaks plain SMTP first: set smtp.security = "starttls" (or "none").'
    return ""


def make(
    title: str,
    cause: str,
    fix: str,
    code: str,
    *,
    retryable: bool = False,
    verdict: str = "service",
    **details: Any,
) -> Explanation:
    return Explanation(
        title=title,
        cause=cause,
        fix=fix,
        code=code,
        retryable=retryable,
        details={k: v for k, v in details.items() if v not in ("", 0, None)},
        verdict=verdict,
    )


# 4xx replies about the server or the session rather than this message: 421 service not
# available (closing), 454 TLS or authentication temporarily unavailable.
SERVICE_4XX = frozenset({421, 454})
# Sign-in replies: a new password or setting fixes them, never the message.
AUTH_CODES = frozenset({530, 534, 535, 538})


def temporary_verdict(code: int) -> str:
    """A 4xx: the service when it is about the server, else this message again later."""
    return "service" if code in SERVICE_4XX else "retry"


def explain_recipients_refused(
    exc: smtplib.SMTPRecipientsRefused, ctx: ExplainContext
) -> Explanation:
    refused: dict[str, tuple[int, bytes]] = getattr(exc, "recipients", {}) or {}
    who = ", ".join(sorted(refused)) or "every recipient"
    code, text = 0, ""
    for code_, msg in refused.values():
        code = int(code_)
        text = first_line(msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg))
        break
    # Permanent for the addresses refused with 5xx; a 4xx one is tried again with the message.
    for_good = sorted(a for a, (c, _m) in refused.items() if int(c) >= 500)
    verdict = "recipients" if for_good else temporary_verdict(code)
    if for_good:
        # refused_recipients: the addresses the verdict is about (the outbox fails only them)
        extra: dict[str, Any] = {"refused_recipients": for_good}
    else:
        extra = {}
    enh = _enhanced(text)
    if _is_relay_denied(code, enh, text):
        return _relay_denied(ctx, code, text, enh, verdict=verdict, **extra)
    if enh in ("5.1.1", "5.1.10", "5.1.0") or code == 550 and "unknown" in text.lower():
        return make(
            "The recipient does not exist",
            f"The server refused {who}: {code} {text}",
            "Check the recipient address for typos.",
            f"smtp.{code}",
            verdict=verdict,
            smtp_code=code,
            enhanced=enh,
            reply=text,
            **extra,
        )
    return make(
        "The server refused the recipients",
        f"The server refused {who}: {code} {text}",
        "Check the recipient addresses, and the mail server's log for its reason.",
        f"smtp.{code}",
        retryable=400 <= code < 500,
        verdict=verdict,
        smtp_code=code,
        enhanced=enh,
        reply=text,
        **extra,
    )


def _is_relay_denied(code: int, enh: str, text: str) -> bool:
    low = text.lower()
    return (
        "relay" in low
        and code in (550, 551, 553, 554)
        or (enh == "5.7.1" and "relay" in low)
        or (enh == "5.7.54")
    )


def _relay_denied(
    ctx: ExplainContext,
    code: int,
    text: str,
    enh: str,
    *,
    verdict: str = "settings",
    **extra: Any,
) -> Explanation:
    where = where_text(ctx)
    account = ctx_get(ctx, "account")
    auth = (
        f"It does not let {account} send to outside addresses."
        if account
        else "No username is configured, so the server treats this as an anonymous relay attempt."
    )
    return make(
        "The server refuses to relay",
        f"{where} answered {code} {text}. {auth}",
        "Either authenticate (set smtp.username and its password) on the submission port, or ask "
        "the mail server's administrator to allow this server's IP address to relay (Exchange: a "
        "receive connector with this IP in RemoteIPRanges; Postfix: mynetworks).",
        f"smtp.{code}",
        verdict=verdict,
        smtp_code=code,
        enhanced=enh,
        reply=text,
        **extra,
    )


def explain_reply(exc: smtplib.SMTPResponseException, ctx: ExplainContext) -> Explanation:
    code, text = _reply(exc)
    enh = _enhanced(text)
    where = where_text(ctx)
    account = str(ctx_get(ctx, "account") or "the configured username")
    from_address = str(ctx_get(ctx, "from_address") or "the From address")
    d: dict[str, Any] = {"smtp_code": code, "enhanced": enh, "reply": text}
    said = f"{where} answered: {code} {text}"
    if enh == "5.7.139" or (
        code == 535 and "smtpclientauthentication" in text.lower().replace(" ", "")
    ):
        return make(
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
            verdict="settings",
            **d,
        )
    if enh == "5.7.30":
        return make(
            "Basic authentication is not supported for client submission",
            f"{said}. The server no longer accepts a username and password for sending.",
            "Choose the service 'Microsoft 365 (Exchange Online)' in alloy-tui, which signs in with "
            "OAuth and sends through Microsoft Graph.",
            f"smtp.{code}-5.7.30",
            verdict="settings",
            **d,
        )
    if enh == "5.7.57":
        return make(
            "The server requires authentication",
            f"{said}. The server only accepts mail from a signed-in client on this port.",
            "Set smtp.username (the mailbox that sends, e.g. alerts@contoso.com) and store its "
            "password with the setup wizard (or set smtp.password_command / smtp.password_env); "
            'for smtp.office365.com use port 587 with smtp.security = "starttls".',
            f"smtp.{code}-5.7.57",
            verdict="settings",
            **d,
        )
    if enh == "5.7.60" or "sendasdenied" in text.lower().replace(" ", ""):
        return make(
            "Not allowed to send as this From address",
            f"{said}. {account} has no right to send as {from_address}.",
            f"Give {account} Send As on {from_address} (Exchange PowerShell: Add-RecipientPermission "
            f"-Identity {from_address} -Trustee {account} -AccessRights SendAs), or have the owner of "
            f"{from_address} grant Send On Behalf in Outlook: File > Info > Account Settings > "
            f"Delegate Access > Add > choose {account} > None for each folder > OK. Or leave the From "
            f"address empty so messages come from {account} itself.",
            f"smtp.{code}-5.7.60",
            verdict="message",  # this message's From
            **d,
        )
    if enh == "5.7.0" and "starttls" in text.lower():
        return make(
            "The server requires STARTTLS first",
            f"{said}.",
            'Set smtp.security = "starttls" (usually with port 587).',
            f"smtp.{code}-5.7.0",
            verdict="settings",
            **d,
        )
    if _is_relay_denied(code, enh, text):
        return _relay_denied(ctx, code, text, enh)
    return _refused(exc, code, enh, said, account, from_address, d)


def _refused(
    exc: smtplib.SMTPResponseException,
    code: int,
    enh: str,
    said: str,
    account: str,
    from_address: str,
    d: dict[str, Any],
) -> Explanation:
    """Replies without a special enhanced code: sign-in, try later, From, connect, size, other."""
    if (
        isinstance(exc, smtplib.SMTPAuthenticationError)
        or code in AUTH_CODES
        or enh in ("5.7.8", "5.7.3")
    ):
        if code == 534 or enh in ("5.7.9", "5.7.14"):
            return make(
                "The server wants another kind of sign-in",
                f"{said}. It refuses a plain password for {account}.",
                "Use an app password if the provider offers one, or a service that signs in with "
                "OAuth (for Microsoft 365: the 'Microsoft 365 (Exchange Online)' service).",
                f"smtp.{code}",
                verdict="settings",
                **d,
            )
        return make(
            "The username or password is wrong",
            f"{said}. The server refused the sign-in for {account}.",
            "Check smtp.username (often the full e-mail address) and store the right password with "
            "the setup wizard, or fix the command or environment variable it comes from. Also check "
            "that the account is not locked.",
            f"smtp.{code}",
            verdict=temporary_verdict(code) if 400 <= code < 500 else "settings",
            **d,
        )
    if 400 <= code < 500:
        return make(
            "The server asked to try again later",
            f"{said}.",
            "This is temporary (busy, throttled or greylisted); the next notification will try again.",
            f"smtp.{code}",
            retryable=True,
            verdict=(
                "service"
                if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPHeloError)
                else temporary_verdict(code)
            ),
            **d,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return make(
            "The server refused the From address",
            f"{said}. It will not accept mail from {from_address}.",
            "Set message.default_from (or the From address) to an address this account may send as.",
            f"smtp.{code}",
            retryable=400 <= code < 500,
            verdict="message",  # this message's sender
            **d,
        )
    if isinstance(exc, smtplib.SMTPConnectError):
        return make(
            "The server refused this client",
            f"{said} when we connected.",
            "The mail server does not accept connections from this server right now; check its "
            "access rules and log.",
            f"smtp.{code}",
            retryable=400 <= code < 500,
            verdict="settings",
            **d,
        )
    if code == 552 or enh in ("5.3.4", "5.2.3"):
        return make(
            "The message is too large",
            f"{said}.",
            "Send a smaller message or raise the server's size limit.",
            f"smtp.{code}",
            verdict="message",
            **d,
        )
    return make(
        "The server refused the message",
        f"{said}.",
        "Look up the code in the mail server's documentation or log; check the From and To addresses.",
        f"smtp.{code}" if code else "smtp.error",
        # After DATA (or at MAIL) a 5xx is about this message; at HELO about this client.
        verdict="settings" if isinstance(exc, smtplib.SMTPHeloError) else "message",
        **d,
    )
