"""Raw (MIME) delivery: a message exactly as a program wrote it, through the configured service.

    with open_delivery(settings, config_path) as delivery:   # one token, one connection
        delivery.send_raw(raw, ["ops@contoso.com"])            # SendResult, or ExplainedError

Graph and EWS take their recipients from the message's headers, so the headers are made to
name exactly the envelope recipients first: To/Cc addresses outside the envelope are left out
(sendmail without -t: only the arguments receive it; a resend to the recipients left after a
refusal: only those), and addresses only in the envelope (Bcc, sendmail arguments) go into a
Bcc header (Exchange never shows it to the others). A message never goes without a To: when
no To address is left and nobody else is shown, the envelope recipients are the To; when Cc
shows someone, To is the empty group `undisclosed-recipients:;`.
Nothing else in the message changes but what `sendable.make_sendable` fixes (NUL bytes and
bare CRs base64-encoded, unlabelled 8-bit text labelled): Subject, Date, Message-ID, MIME
parts, 8-bit bodies stay byte for byte (bare LF line ends become CRLF, as every MTA does). SMTP
sends the bytes with the envelope recipients, minus any Bcc header: To and Cc as the program
wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import formataddr, getaddresses
from pathlib import Path
from typing import Protocol

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import Explanation
from alloy_tui.core.mail.limits import GRAPH_MAX_RAW_BYTES as GRAPH_MAX_RAW_BYTES  # re-exported
from alloy_tui.core.mail.limits import MAX_MESSAGE_BYTES, mb
from alloy_tui.core.mail.message import SendResult

_BARE_LF = re.compile(rb"(?<!\r)\n")
_ADDRESS_FIELDS = (b"to", b"cc", b"bcc")


class Delivery(Protocol):
    """Sends raw messages over one sign-in and one connection; close() (or `with`) ends it."""

    def send_raw(
        self, raw: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult: ...

    def close(self) -> None: ...

    def __enter__(self) -> Delivery: ...

    def __exit__(self, *exc: object) -> None: ...


def open_delivery(settings: Settings, config_path: Path, *, signin: object = None) -> Delivery:
    """The delivery for settings.service (and exchange_online.api); nothing connects until the
    first send_raw, and only that transport's libraries are imported."""
    if settings.service == "exchange-online":
        if settings.exchange_online.api == "ews":
            from alloy_tui.core.mail.raw_ews import EwsDelivery

            return EwsDelivery(settings, config_path, signin=signin)
        from alloy_tui.core.mail.raw_graph import GraphDelivery

        return GraphDelivery(settings, config_path, signin=signin)
    if settings.service == "smtp":
        from alloy_tui.core.mail.raw_smtp import SmtpDelivery

        return SmtpDelivery(settings, config_path)
    from alloy_tui.core.mail.raw_ews import ExchangeServerDelivery

    return ExchangeServerDelivery(settings, config_path)


# ---------------------------------------------------------------------------- sizes
def too_big(size: int, limit: int, what: str, fix: str) -> Explanation:
    return Explanation(
        title="The message is too large to send",
        cause=f"The message is {mb(size)} ({size} bytes); {what} is {mb(limit)}. It was not sent.",
        fix=fix,
        code="message.too_big",
        verdict="message",
        details={"size": size, "limit": limit},
    )


def check_size(size: int) -> Explanation | None:
    if size <= MAX_MESSAGE_BYTES:
        return None
    return too_big(
        size,
        MAX_MESSAGE_BYTES,
        "the limit (Exchange Online's default maximum message size)",
        "Send a smaller message: put large files on a share and send a link instead.",
    )


# ---------------------------------------------------------------------------- headers
def crlf(raw: bytes) -> bytes:
    return _BARE_LF.sub(b"\r\n", raw)


def split_message(raw: bytes) -> tuple[list[bytes], bytes]:
    """Header fields (each with its continuation lines, CRLF-terminated) and the rest."""
    end = raw.find(b"\r\n\r\n")
    head, rest = (raw, b"") if end < 0 else (raw[: end + 2], raw[end + 2 :])
    fields: list[bytes] = []
    for line in head.split(b"\r\n")[:-1] if head.endswith(b"\r\n") else head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line + b"\r\n"
        else:
            fields.append(line + b"\r\n")
    return fields, rest


def field_name(field: bytes) -> bytes:
    return field.split(b":", 1)[0].strip().lower()


def field_addresses(field: bytes) -> list[tuple[str, str]]:
    value = field.split(b":", 1)[1] if b":" in field else b""
    text = value.decode("utf-8", "replace").replace("\r\n", "")
    return [(n, a) for n, a in getaddresses([text]) if a]


def header_recipients(raw: bytes) -> list[str]:
    fields, _ = split_message(crlf(raw))
    return [a for f in fields if field_name(f) in _ADDRESS_FIELDS for _, a in field_addresses(f)]


def for_exchange(raw: bytes, recipients: Sequence[str]) -> bytes:
    """The message with To/Cc/Bcc naming exactly `recipients` (see the module docstring)."""
    fields, rest = split_message(crlf(raw))
    wanted = {r.lower() for r in recipients}
    shown: set[str] = set()
    out: list[bytes] = []
    has_to = False
    for f in fields:
        name = field_name(f)
        if name == b"bcc":
            continue
        if name in (b"to", b"cc"):
            pairs = field_addresses(f)
            kept = [(n, a) for n, a in pairs if a.lower() in wanted]
            shown |= {a.lower() for _, a in kept}
            if len(kept) != len(pairs):
                if not kept:
                    continue
                f = _address_field(f.split(b":", 1)[0], kept)
            has_to = has_to or name == b"to"
        out.append(f)
    hidden = [("", a) for a in dict.fromkeys(r for r in recipients if r.lower() not in shown)]
    if not has_to:  # never without a To: the recipients themselves, else the empty group
        if hidden and not shown:
            out.append(_address_field(b"To", hidden))
            hidden = []
        else:
            out.append(b"To: undisclosed-recipients:;\r\n")
    if hidden:
        out.append(_address_field(b"Bcc", hidden))
    return b"".join(out) + rest


def without_bcc(raw: bytes) -> bytes:
    fields, rest = split_message(crlf(raw))
    return b"".join(f for f in fields if field_name(f) != b"bcc") + rest


def _address_field(name: bytes, pairs: list[tuple[str, str]]) -> bytes:
    from email.header import Header

    parts = []
    for display, address in pairs:
        if display and not display.isascii():
            display = Header(display, "utf-8").encode()
        parts.append(formataddr((display, address)) if display else address)
    return name + b": " + ",\r\n ".join(parts).encode("utf-8") + b"\r\n"


def from_header_address(raw: bytes) -> str:
    fields, _ = split_message(crlf(raw))
    for f in fields:
        if field_name(f) == b"from":
            pairs = field_addresses(f)
            return pairs[0][1] if pairs else ""
    return ""


def other_from(message: bytes, account: str) -> str:
    """The message's From when it is not the sending account (a 'From' delegation), else ""."""
    found = from_header_address(message)
    return "" if not found or found.lower() == account.lower() else found
