"""A message's header block, as bytes: the one splitter (head | blank line | body) every part of
the mail path uses (sendmail's rules, `sendable`, Graph's large text body, the deliveries), and
the deliveries' header work: To/Cc/Bcc made to name exactly the envelope recipients for Graph
and EWS (`for_exchange`), Bcc left out for SMTP (`without_bcc`), the From address.

A leaf: the standard library only (no email parser), so every door can afford it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import formataddr, getaddresses

_BARE_LF = re.compile(rb"(?<!\r)\n")
_ADDRESS_FIELDS = (b"to", b"cc", b"bcc")


def split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block with its last line ending, the empty line, body); `raw` is exactly their
    concatenation. The body starts after the first empty line (LF or CRLF); with none, all of
    `raw` is the header block and the other two are empty."""
    ends = [(raw.find(sep), sep) for sep in (b"\n\n", b"\n\r\n")]
    found = [(at, sep) for at, sep in ends if at >= 0]
    if not found:
        return raw, b"", b""
    at, sep = min(found)
    return raw[: at + 1], sep[1:], raw[at + len(sep) :]


def crlf(raw: bytes) -> bytes:
    return _BARE_LF.sub(b"\r\n", raw)


def split_message(raw: bytes) -> tuple[list[bytes], bytes]:
    """Header fields (each with its continuation lines, CRLF-terminated) and the rest (the
    empty line and the body). `raw` has CRLF line ends (`crlf`)."""
    head, blank, body = split_head(raw)
    fields: list[bytes] = []
    lines = head.split(b"\r\n")
    for line in lines[:-1] if head.endswith(b"\r\n") else lines:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line + b"\r\n"
        else:
            fields.append(line + b"\r\n")
    return fields, blank + body


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
    """The message with To/Cc/Bcc naming exactly `recipients`, for Graph and EWS, which take
    the recipients from the headers: To/Cc addresses outside the envelope are left out,
    addresses only in the envelope go into a Bcc header. Never without a To: with no To address
    left and nobody else shown, the recipients are the To; when Cc shows someone, To is the
    empty group `undisclosed-recipients:;`."""
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
