"""The header block of a message handed to sendmail: split from the body, parsed (the stdlib
``email`` package's light compat32 parser, headers only), read and written back byte for byte
except the fields that change. Shared by mime.py (the hand-off's rules) and mime_from.py (From,
Reply-To, Sender).
"""

from __future__ import annotations

from collections.abc import Collection
from email import utils as email_utils
from email.message import Message
from email.parser import BytesParser

from alloy_tui.core.mail import headers
from alloy_tui.core.mail.addresses import LINE_BREAKS
from alloy_tui.core.mail.local_names import MessageRefused

FOLD_AT = 78  # rewritten address lists are folded to lines of about this length
Pair = tuple[str, str]  # (display name, address), as email.utils.getaddresses gives them


def split_head(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, line ending, body): the body starts after the first empty line."""
    if raw.startswith((b"\n", b"\r\n")):
        raise MessageRefused(
            "the message starts with an empty line, so it has no headers; sendmail reads an "
            "RFC 5322 message: header lines (To:, Subject:), an empty line, then the body."
        )
    head, _, body = headers.split_head(raw)
    first_line = head.split(b"\n", 1)[0]
    linesep = "\r\n" if first_line.endswith(b"\r") else "\n"
    return head, linesep.encode(), body


def parse_head(head: bytes) -> Message:
    if b"\x00" in head:
        raise MessageRefused("the message's headers contain a NUL byte; it is not RFC 5322.")
    msg = BytesParser().parsebytes(head, headersonly=True)
    leftover = msg.get_payload()
    if not msg.keys() or (isinstance(leftover, str) and leftover.strip()):
        line = (leftover if isinstance(leftover, str) else "").strip().splitlines() or [""]
        raise MessageRefused(
            f"the message is not RFC 5322: {line[0][:60]!r} is not a header line "
            "(Name: value). Send header lines (To:, Subject:), an empty line, then the body."
        )
    return msg


def values(msg: Message, name: str) -> list[str]:
    """The raw values of every `name` header (8-bit bytes surrogate-escaped)."""
    return [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]


def addresses(msg: Message, name: str) -> list[Pair]:
    """Every address in the `name` headers; refuses one that can't be read (a lone group such
    as `undisclosed-recipients:;` holds none and is fine)."""
    out: list[Pair] = []
    for value in values(msg, name):
        group = ":" in value and ";" in value
        for display, address in email_utils.getaddresses([value]):
            if not address and group:
                continue
            if not address or any(c in LINE_BREAKS for c in address):
                raise MessageRefused(
                    f"the {name} header has an address that can't be read: {value[:80]!r}."
                )
            out.append((display, _utf8(address)))
    return out


def _utf8(text: str) -> str:
    """Raw 8-bit bytes of a header (surrogate-escaped) as UTF-8 when they are UTF-8 (RFC 6532:
    a UTF-8 mailbox name in To/Cc), else unchanged."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return text


def display_text(display: str) -> str:
    """A display name as a person reads it: encoded words decoded, raw 8-bit bytes as UTF-8
    (else Latin-1)."""
    if "=?" in display:
        from email.header import decode_header, make_header

        try:
            return str(make_header(decode_header(display)))
        except (ValueError, LookupError, UnicodeError):
            return display
    try:
        data = display.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return display.encode("utf-8", "replace").decode()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def format_address(display: str, address: str) -> str:
    return email_utils.formataddr((display_text(display), address), charset="utf-8")


def fold(items: list[str]) -> str:
    """An address list, folded (newline + space) before it passes FOLD_AT columns."""
    out, width = "", 4
    for i, item in enumerate(items):
        piece = item if i == 0 else ", " + item
        if i and width + len(piece) > FOLD_AT:
            out, width, piece = out + ",\n ", 1, item
        out += piece
        width += len(piece)
    return out


def header_line(name: str, value: str, linesep: str) -> bytes:
    """One header field as bytes: continuation lines on `linesep`, 8-bit bytes as they came."""
    value = value.replace("\r\n", "\n").replace("\n", linesep)
    return f"{name}: {value}{linesep}".encode("utf-8", "surrogateescape")


def header_block(
    msg: Message,
    changed: dict[str, str],
    sender: str,
    linesep: str,
    drop: Collection[str] = (),
) -> bytes:
    """The header block: kept headers byte for byte, changed ones in place (new ones at the
    end), Bcc and the fields named in `drop` (lower case) left out."""
    lines: list[bytes] = []
    done: set[str] = set()
    for name, value in msg.raw_items():
        key = name.title() if name.lower() in ("to", "cc", "from", "reply-to") else name
        if name.lower() == "bcc" or name.lower() in drop:
            continue
        if key in changed:
            if key not in done:
                done.add(key)
                lines.append(header_line(key, changed[key], linesep))
            continue
        lines.append(header_line(name, str(value), linesep))
    extra = {k: v for k, v in changed.items() if k not in done}
    present = {k.lower() for k in msg.keys()}
    if "date" not in present:
        extra["Date"] = email_utils.formatdate(localtime=True)
    if "message-id" not in present:
        extra["Message-ID"] = email_utils.make_msgid(domain=sender.rsplit("@", 1)[-1])
    lines.extend(header_line(key, value, linesep) for key, value in extra.items())
    return b"".join(lines)
