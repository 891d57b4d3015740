"""What the test step shows after a message went through: the truth for each service.

From is the From the recipients see. "X on behalf of Y" only where the service really sends on
behalf: Exchange Online with 'From' delegation, or Exchange Server when From is not the signed-in
mailbox (the `author` field). SMTP has no "on behalf": the From is the From, and the relay may be
used without signing in. What the transport warned about (recipients refused, the password sent
unencrypted) comes from `SendResult.extra`, the same facts the alert-log entry holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.ui.wizard.summary import API_NAMES, AUTH_NAMES, SECURITY_NAMES

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.mail import SendResult


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def from_line(result: SendResult, settings: Settings | None) -> str:
    """Who the recipients see in From."""
    shown = result.from_address or result.account
    if result.api in ("graph", "ews"):
        delegated = settings is not None and settings.exchange_online.from_delegation
        if delegated and result.account and not _same(result.from_address, result.account):
            return f"{result.account} on behalf of {result.from_address}"
        return shown
    if result.api == "exchange-server" and settings is not None:
        from alloy_tui.core.mail import mailbox_address

        mailbox = mailbox_address(settings)
        if mailbox and result.from_address and not _same(result.from_address, mailbox):
            return f"{mailbox} on behalf of {result.from_address}"
    return shown


def through_lines(result: SendResult, settings: Settings | None) -> list[tuple[str, str]]:
    """How it went: the service, where, and who signed in (or that nobody did)."""
    extra = result.extra or {}
    if result.api == "smtp":
        host = extra.get("host") or (settings.smtp.host if settings is not None else "")
        port = extra.get("port") or (str(settings.smtp.port) if settings is not None else "")
        security = extra.get("security") or (settings.smtp.security if settings else "")
        where = f"SMTP server {host}:{port}" if host else "SMTP server"
        if security == "none":
            where += " (no encryption)"
        elif security:
            where += f" ({SECURITY_NAMES.get(security, security)})"
        who = f"signed in as {result.account}" if result.account else "without signing in"
        return [("Through", f"{where}, {who}")]
    if result.api == "exchange-server":
        auth = extra.get("auth") or (settings.exchange_server.auth if settings else "")
        rows = [
            (
                "Through",
                f"Exchange Server (EWS), {AUTH_NAMES.get(auth, auth)}, "
                f"signed in as {result.account}",
            )
        ]
        if extra.get("endpoint"):
            rows.append(("Server", str(extra["endpoint"])))
        return rows
    api = API_NAMES.get(result.api, result.api)
    return [("Through", f"{api}, signed in as {result.account}")]


def warning_lines(result: SendResult) -> list[str]:
    """What still needs attention although the message went through."""
    extra = result.extra or {}
    lines = []
    if extra.get("refused"):
        lines.append(f"⚠ Refused by the server, not delivered to: {extra['refused']}")
    if extra.get("warning"):
        lines.append(f"⚠ Warning: {extra['warning']}.")
        if "unencrypted" in str(extra["warning"]) and result.api == "smtp":
            lines.append(
                "  Choose STARTTLS or SSL/TLS on the SMTP server step if the server offers it."
            )
    return lines


def sent_text(result: SendResult, to: str, settings: Settings | None) -> str:
    """The lines under "Test message has been sent"."""
    rows: list[tuple[str, str]] = [("To", ", ".join(result.to) or to)]
    rows.append(("From", from_line(result, settings)))
    rows += through_lines(result, settings)
    took = f"{result.duration_ms} ms"
    if result.attempts > 1:
        took += f" ({result.attempts} attempts)"
    rows.append(("Took", took))
    if result.request_id:
        rows.append(("Queue id" if result.api == "smtp" else "Request", result.request_id))
    return "\n".join(f"  {label + ':':<9} {value}" for label, value in rows)
