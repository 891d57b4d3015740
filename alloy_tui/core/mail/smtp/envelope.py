"""One SMTP message on an open connection: MAIL FROM, RCPT TO each, DATA (shared by the
transport and the outbox's raw delivery)."""

from __future__ import annotations

import contextlib
import smtplib
from typing import NamedTuple


class Envelope(NamedTuple):
    """How one transaction went, recipient by recipient (`transact`)."""

    accepted: list[str]  # accepted at RCPT (the DATA reply applies to these)
    refused: dict[str, tuple[int, str]]  # refused at RCPT: (code, reply text)
    reply: str  # the DATA reply ("250 ..."); "" when DATA was not reached
    data_error: smtplib.SMTPDataError | None  # a refusal after DATA (or of DATA itself)


def transact(
    conn: smtplib.SMTP,
    data: bytes,
    sender: str,
    to: list[str],
    options: list[str],
    *,
    reset: bool = False,
) -> Envelope:
    """MAIL FROM, RCPT TO for each recipient, DATA when any was accepted. A refused MAIL FROM
    raises (SMTPSenderRefused); every other outcome is in the Envelope. `reset`: RSET after a
    refusal, so a connection kept open can carry the next message."""
    code, resp = conn.mail(sender, options)
    if code != 250:
        if reset:
            conn.rset()
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused: dict[str, tuple[int, str]] = {}
    accepted: list[str] = []
    for rcpt in to:
        code, resp = conn.rcpt(rcpt)
        if code in (250, 251):
            accepted.append(rcpt)
        else:
            refused[rcpt] = (code, reply_text(resp))
    if not accepted:
        if reset:
            conn.rset()
        return Envelope([], refused, "", None)
    try:
        code, resp = conn.data(data)
    except smtplib.SMTPDataError as e:  # DATA itself refused (before 354)
        _rset_quietly(conn, reset)
        return Envelope(accepted, refused, "", e)
    if code != 250:
        _rset_quietly(conn, reset)
        return Envelope(accepted, refused, "", smtplib.SMTPDataError(code, resp))
    return Envelope(accepted, refused, f"{code} {reply_text(resp)}", None)


def _rset_quietly(conn: smtplib.SMTP, reset: bool) -> None:
    if reset:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            conn.rset()


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
    recipients refused; every recipient refused raises, as a refused DATA does."""
    got = transact(conn, data, sender, to, options, reset=reset)
    if not got.accepted:
        raise smtplib.SMTPRecipientsRefused(
            {a: (c, t.encode("utf-8", "replace")) for a, (c, t) in got.refused.items()}
        )
    if got.data_error is not None:
        raise got.data_error
    return got.reply, got.refused


def reply_text(resp: bytes | str) -> str:
    """A server's reply on one line, at most 300 characters."""
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return " ".join(text.split())[:300]
