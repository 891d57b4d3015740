"""Failure notices: when a queued message is done and some of its recipients failed for good
(refused, or ``[queue] lifetime_hours`` ran out), one notice goes to its envelope sender.

- To: the return path recorded at submission (sendmail's -f, else the user who ran sendmail;
  the listener's MAIL FROM; the maildrop's user), local names mapped as sendmail maps them, so
  root's cron mail's notice reaches ``[sendmail] admin``. A record without one (written before
  return paths were kept): the maildrop's user if known, else no notice.
- Subject ``Undelivered mail: <original subject>``; each failed address with the reason and the
  fix in words; the recipients that did get it; the original headers.
- A null envelope sender (``<>``) and ``Auto-Submitted: auto-replied``, so nobody answers it.
- Never a notice about a notice: nothing for a message whose return path is null or that says
  ``Auto-Submitted: auto-replied`` (cron's ``auto-generated`` mail does get its notice: a
  failure notice is not an auto-response, RFC 3834).
- At most one per message: its queue id is kept in the message's metadata (``notice``).
- It is queued in the outbox like any message; a ``mail.bounced`` entry names it.
"""

from __future__ import annotations

import socket
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import recipients as rcpt
from alloy_tui.core.outbox.model import iso

if TYPE_CHECKING:
    from alloy_tui.core.outbox.record import QueueRecord

NULL = "<>"
SOURCE = "failure notice"
HEADER_LIMIT = 64 * 1024  # the original headers quoted at most this long


def header_block(raw: bytes | None) -> str:
    """The message's header lines as text (8-bit bytes read as UTF-8, else Latin-1)."""
    if raw is None:
        return "(the message file is missing)"
    cut = [x for x in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if x >= 0]
    head = raw[: min(cut)] if cut else raw
    head = head[:HEADER_LIMIT]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    kept, hidden = [], False
    for line in text.split("\n"):
        if line[:1] not in (" ", "\t"):  # a new field: Bcc is never shown to anyone
            hidden = line.split(":", 1)[0].strip().lower() == "bcc"
        if not hidden:
            kept.append(line.rstrip("\r"))
    return "\n".join(kept)


def _header(raw: bytes | None, name: str) -> str:
    if raw is None:
        return ""
    import email.parser
    import email.policy

    cut = [x for x in (raw.find(b"\n\n"), raw.find(b"\r\n\r\n")) if x >= 0]
    head = raw[: min(cut) + 2] if cut else raw
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    return str(parsed.get(name, "") or "")


def is_notice(meta: QueueRecord, raw: bytes | None) -> bool:
    """A message nobody may answer with a notice: null sender, or an auto-reply itself."""
    if meta.get("return_path") == NULL or meta.get("source") == SOURCE:
        return True
    value = _header(raw, "Auto-Submitted").split(";", 1)[0].strip().lower()
    return value == "auto-replied"


def return_path(meta: QueueRecord) -> str:
    """Whom the notice is for, before local names are mapped ("" : nobody known: a record
    from before return paths were kept, or a program that submitted without one)."""
    recorded = meta.get("return_path")
    if isinstance(recorded, str) and recorded:
        return recorded.strip("<>")
    return str((meta.get("details") or {}).get("submitted_by") or "")


def notice_addresses(settings: Settings, who: str) -> list[str]:
    """`who` as sendmail maps it (root -> [sendmail] admin); [] when it maps to nothing."""
    from alloy_tui.core.mail import MessageRefused, map_recipients

    try:
        return list(map_recipients(settings, [who]))
    except MessageRefused:
        return []


def _own_address(settings: Settings) -> str:
    from alloy_tui.core.mail import sending_account

    return str(settings.message.default_from or sending_account(settings))


def compose(settings: Settings, meta: QueueRecord, raw: bytes | None, to: list[str]) -> bytes:
    """The notice itself (text/plain, UTF-8)."""
    subject = str(meta.get("subject") or "(no subject)")
    failed = [r for r in rcpt.records(meta) if r["state"] == rcpt.FAILED]
    sent = rcpt.addresses(meta, rcpt.SENT)
    host = socket.gethostname()
    opening = (
        f"alloy-tui on {host} could not deliver your message to "
        + ("this recipient." if len(failed) == 1 else f"these {len(failed)} recipients.")
        if failed
        else f"alloy-tui on {host} could not take your message: sendmail's rules refuse it."
    )
    lines = [
        opening,
        "",
        f"  Subject:  {subject}",
        f"  Queued:   {iso(float(meta.get('queued_at') or 0))} (queue id {meta['id']})",
    ]
    if sent:
        lines.append(f"  Delivered to: {', '.join(sent)}")
    if not failed:  # refused before it had any recipient (the hand-off's intake)
        error = meta.get("last_error") or {}
        lines += [
            "",
            f"    Why:   {error.get('cause', '')}",
            f"    Fix:   {error.get('fix', '')}",
            "",
        ]
    else:
        lines += ["", "Not delivered to:", ""]
    for r in failed:
        error = r.get("last_error") or {}
        lines.append(f"  {r['address']}")
        if error.get("title"):
            lines.append(f"    What:  {error['title']}")
        if error.get("cause"):
            lines.append(f"    Why:   {error['cause']}")
        if error.get("fix"):
            lines.append(f"    Fix:   {error['fix']}")
        lines.append("")
    lines += [
        "Nothing more will be tried for these recipients. (An admin can send again with",
        f"`alloy-tui queue retry {meta['id']}` once the cause is fixed.)",
        "",
        "The original message's headers:",
        "",
        *(f"  {line}" for line in header_block(raw).split("\n")),
    ]
    own = _own_address(settings)
    msg = EmailMessage()
    msg["From"] = f"Mail Delivery System <{own}>" if own else "Mail Delivery System"
    msg["To"] = ", ".join(to)
    msg["Subject"] = f"Undelivered mail: {subject}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=(own.rpartition("@")[2] or "localhost"))
    msg["Auto-Submitted"] = "auto-replied"
    original_id = _header(raw, "Message-ID").strip()
    if original_id:
        msg["In-Reply-To"] = original_id
    msg.set_content("\n".join(lines) + "\n", charset="utf-8")
    return msg.as_bytes()
