"""Delivered mail: each accepted message becomes an .eml file in the messages folder."""

from __future__ import annotations

import email
import email.policy
import itertools
import time
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, localtime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.sandbox.store import DeliveredMessage

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

API_HEADER = "X-Alloy-Sandbox-Api"
ACCOUNT_HEADER = "X-Alloy-Sandbox-Account"
BCC_HEADER = "X-Alloy-Sandbox-Bcc"
MIME_HEADER = "X-Alloy-Sandbox-Mime"
SANDBOX_PREFIX = b"X-Alloy-Sandbox-"
_counter = itertools.count(1)


def deliver(
    sandbox: Sandbox,
    *,
    api: str,
    account: str,
    from_address: str,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    subject: str,
    body: str,
    html: bool,
) -> DeliveredMessage:
    state = sandbox.state
    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = formataddr((state.display_name(from_address), from_address))
    if sender:
        msg["Sender"] = formataddr((state.display_name(sender), sender))
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject.replace("\r", " ").replace("\n", " ")
    msg["Date"] = format_datetime(localtime())
    message_id = make_msgid(domain="sandbox.contoso.example")
    msg["Message-ID"] = message_id
    msg[API_HEADER] = api
    msg[ACCOUNT_HEADER] = account
    if bcc:
        msg[BCC_HEADER] = ", ".join(bcc)
    msg.set_content(body, subtype="html" if html else "plain")
    return store_raw(sandbox, msg.as_bytes(), api)  # what is on disk is what tests see


def deliver_mime(
    sandbox: Sandbox, *, api: str, account: str, raw: bytes, bcc: Sequence[str] = ()
) -> DeliveredMessage:
    """Store a MIME message as handed over: the sandbox's own headers first, then the message's
    bytes unchanged except the Bcc header, which Exchange never shows to recipients."""
    lines = [
        f"{API_HEADER}: {api}",
        f"{ACCOUNT_HEADER}: {account}",
        f"{MIME_HEADER}: yes",
    ]
    if bcc:
        lines.append(f"{BCC_HEADER}: {', '.join(bcc)}")
    head = "".join(line + "\r\n" for line in lines).encode()
    return store_raw(sandbox, head + strip_bcc(raw), api)


def strip_bcc(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    head, rest = (raw, b"") if end < 0 else (raw[: end + 2], raw[end + 2 :])
    out, skipping = [], False
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() == b"bcc"
        if not skipping:
            out.append(line)
    return b"".join(line + b"\r\n" for line in out) + rest


def as_handed_over(path: Path) -> bytes:
    """A MIME-delivered message's bytes without the sandbox's own leading headers."""
    data = Path(path).read_bytes()
    while data.startswith(SANDBOX_PREFIX):
        data = data[data.index(b"\r\n") + 2 :]
    return data


def store_raw(sandbox: Sandbox, data: bytes, api: str) -> DeliveredMessage:
    """Write one message (with the sandbox's headers already in it) as the next .eml."""
    state = sandbox.state
    folder = sandbox.messages_dir
    folder.mkdir(parents=True, exist_ok=True)
    with state.lock:
        n = len(state.messages) + 1
        path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{n:04d}-{next(_counter)}-{api}.eml"
        path.write_bytes(data)
        delivered = read_message(path)  # what is on disk is what tests and `messages` see
        state.messages.append(delivered)
    return delivered


def _addresses(value: str | None) -> tuple[str, ...]:
    return tuple(a for _, a in getaddresses([value])) if value else ()


def read_message(path: Path) -> DeliveredMessage:
    """Parse one delivered .eml back into a DeliveredMessage."""
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("html", "plain"))
    try:
        content = part.get_content() if part is not None else ""
    except (LookupError, ValueError):  # an unknown charset: show the bytes decoded leniently
        payload = part.get_payload(decode=True) if part is not None else b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    senders = _addresses(msg.get("Sender"))
    froms = _addresses(msg.get("From"))
    account = str(msg.get(ACCOUNT_HEADER, ""))
    if not senders and msg.get(MIME_HEADER) and froms and froms[0].lower() != account.lower():
        senders = (account,)  # MIME From another mailbox: Exchange sends on the account's behalf
    return DeliveredMessage(
        api=str(msg.get(API_HEADER, "")),
        account=account,
        from_address=froms[0] if froms else "",
        sender=senders[0] if senders else "",
        to=_addresses(msg.get("To")),
        subject=str(msg.get("Subject", "")),
        body=content.rstrip("\r\n") if isinstance(content, str) else "",
        html=part is not None and part.get_content_subtype() == "html",
        path=str(path),
        cc=_addresses(msg.get("Cc")),
        bcc=_addresses(msg.get(BCC_HEADER)),
        message_id=str(msg.get("Message-ID", "")),
        date=str(msg.get("Date", "")),
        attachments=tuple(str(a.get_filename() or "") for a in msg.iter_attachments()),
        mime=bool(msg.get(MIME_HEADER)),
    )


def load_messages(folder: Path) -> list[DeliveredMessage]:
    """Every delivered message in a folder, oldest first (for `alloy-tui sandbox messages`)."""
    if not folder.is_dir():
        return []
    return [read_message(p) for p in sorted(folder.glob("*.eml"))]
