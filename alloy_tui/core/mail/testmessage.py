"""The test message: says it is a test from alloy-tui, from which host, through what, as whom, when."""

from __future__ import annotations

import html
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from alloy_tui.core.mail.addresses import check_header_text, parse_address
from alloy_tui.core.mail.message import OutgoingMessage, validate_message
from alloy_tui.core.mail.services import describe

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings


def _when(now: datetime) -> tuple[str, str]:
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    utc = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    local_dt = now.astimezone()
    local = (
        local_dt.strftime("%Y-%m-%d %H:%M:%S") + f" {local_dt.tzname() or local_dt.strftime('%z')}"
    )
    return utc, local


def host_name() -> str:
    """The name an admin knows this server by: its FQDN, else its host name. ("localhost" is
    what getfqdn() says where /etc/hosts maps the host name to 127.0.0.1: nobody's name.)"""
    fqdn = socket.getfqdn().strip()
    if "." in fqdn and not fqdn.lower().startswith("localhost"):
        return fqdn
    return socket.gethostname().strip() or fqdn or "this server"


def build_test_message(
    settings: Settings,
    account: str,
    to: str,
    from_address: str = "",
    *,
    host: str | None = None,
    now: datetime | None = None,
) -> OutgoingMessage:
    """The test message for `to`, sent by `account` (From `from_address` when sending on behalf).

    Raises UserInputError for a bad recipient or From address.
    """
    checked = validate_message(
        OutgoingMessage(to=(to,), subject="", body="", from_address=from_address.strip())
    )
    recipients, sender = checked.to, checked.from_address
    default_from = settings.message.default_from.strip()
    if not sender and default_from:
        sender = parse_address(default_from, "default From")
    host = host or settings.message.host_name.strip() or host_name()
    # The host name ends up in the Subject header: keep it one line.
    host = " ".join(host.split())
    now = now or datetime.now(UTC)
    utc, local = _when(now)
    service, api = describe(settings)
    who = account or "(not signed in)"
    if sender and account and sender.lower() != account.lower():
        from_line = f"{sender} (sent by {account} on behalf of {sender})"
    else:
        from_line = sender or who
    subject = check_header_text(f"alloy-tui test message from {host}", "subject")

    rows = [
        ("Host", host),
        ("Service", service),
        ("API", api),
        ("Account", who),
        ("From", from_line),
        ("To", ", ".join(recipients)),
        ("Sent at", f"{utc} ({local} local time on {host})"),
    ]
    intro = "This is a test message from alloy-tui."
    works = "If you can read this, outgoing notification e-mail from this server works."
    outro = "No action is needed. alloy-tui records every send attempt in its alert log (`alloy-tui log`)."
    html_body = settings.message.format == "html"
    if html_body:
        cells = "\n".join(
            f'<tr><th style="text-align:left;padding-right:1em">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>'
            for k, v in rows
        )
        body = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
            f"{html.escape(subject)}</title></head><body>\n"
            f"<p><strong>{html.escape(intro)}</strong></p>\n<p>{html.escape(works)}</p>\n"
            f"<table>\n{cells}\n</table>\n<p>{html.escape(outro)}</p>\n</body></html>\n"
        )
    else:
        width = max(len(k) for k, _ in rows) + 2
        lines = [f"{(k + ':').ljust(width)}{v}" for k, v in rows]
        body = f"{intro}\n\n{works}\n\n" + "\n".join(lines) + f"\n\n{outro}\n"
    return OutgoingMessage(
        to=recipients,
        subject=subject,
        body=body,
        html=html_body,
        from_address=sender if sender and sender.lower() != (account or "").lower() else "",
    )
