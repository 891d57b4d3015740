"""One SMTP message on an open connection: MAIL FROM, RCPT TO each, DATA (shared by the
transport and the outbox's raw delivery)."""

from __future__ import annotations

import smtplib


def send_envelope(
    conn: smtplib.SMTP,
    data: bytes,
    sender: str,
    to: list[str],
    options: list[str],
    *,
    reset: bool = False,
) -> tuple[str, dict[str, tuple[int, str]]]:
    """MAIL FROM, RCPT TO for each recipient, DATA: the DATA reply (for the queue id) and the
    recipients refused; every recipient refused raises. `reset`: RSET after a refusal, so a
    connection kept open can carry the next message."""
    code, resp = conn.mail(sender, options)
    if code != 250:
        if reset:
            conn.rset()
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused: dict[str, tuple[int, str]] = {}
    raw_refused: dict[str, tuple[int, bytes]] = {}
    for rcpt in to:
        code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            raw_refused[rcpt] = (code, resp)
            refused[rcpt] = (code, reply_text(resp))
    if len(raw_refused) == len(to):
        if reset:
            conn.rset()
        raise smtplib.SMTPRecipientsRefused(raw_refused)
    code, resp = conn.data(data)
    if code != 250:
        raise smtplib.SMTPDataError(code, resp)
    return f"{code} {reply_text(resp)}", refused


def reply_text(resp: bytes | str) -> str:
    """A server's reply on one line, at most 300 characters."""
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return " ".join(text.split())[:300]
