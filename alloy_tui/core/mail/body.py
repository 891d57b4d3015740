"""The message body as it arrives on stdin: bytes, read only up to the service's limit.

How much is read (`body_limit`): Microsoft Graph takes at most 4 MB in one request (sendMail; a
bigger message needs an upload session, which alloy-tui does not do), Exchange Online takes
messages up to 35 MB by default, Exchange Server 10 MB by default (MaxSendSize). For SMTP
alloy-tui reads at most 35 MB and, when the server announces a SIZE limit in its EHLO reply,
checks the message against it before MAIL FROM. Anything over the limit is refused before it is
read whole or sent (`MessageTooLarge`, exit 2).

How it is decoded (`decode_body`): UTF-8 (a byte-order mark is dropped; UTF-16 with a BOM is
read as UTF-16). Anything else is not refused and not mangled: a body without NUL bytes is read
as ISO-8859-1 (Windows-1252 when it uses that code page's 0x80-0x9F characters), where every
byte is one character, so nothing is lost and the recipient sees what a Latin-1 terminal shows;
the alert log notes the charset. A body with NUL bytes is binary, and refused (exit 2), whatever
else it holds. At a terminal, one Ctrl+D at the start of a line ends the body.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import UserInputError
from alloy_tui.core.mail.limits import MessageTooLarge as MessageTooLarge  # re-exported
from alloy_tui.core.mail.limits import too_large
from alloy_tui.core.mail.services import service_of


def body_limit(settings: Settings) -> tuple[int, str]:
    """(most bytes of body to read, why that is the limit) for the configured service."""
    row = service_of(settings)
    return row.read_limit, row.read_why


def read_body(stream: BinaryIO, settings: Settings) -> bytes:
    """Read the body, at most the limit plus one byte; MessageTooLarge when it is longer."""
    limit, why = body_limit(settings)
    parts: list[bytes] = []
    got = 0
    tty = _isatty(stream)
    while got <= limit:
        want = min(1024 * 1024, limit + 1 - got)
        chunk = stream.read(want)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
        if tty and len(chunk) < want:
            break  # a terminal's Ctrl+D: a buffered read returns short only at end of input
    if got > limit:
        raise too_large(f"more than {limit:,} bytes", why)
    return b"".join(parts)


def _isatty(stream: BinaryIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def decode_body(data: bytes) -> tuple[str, str]:
    """(text, charset it was read as); UserInputError for binary data (any NUL byte)."""
    from alloy_tui.core.mail.sendable import text_charset

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    text, charset = "", ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, charset = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if not charset:
        charset = text_charset(data)
        text = data.decode("cp1252" if charset == "windows-1252" else charset)
    if "\x00" in text:
        raise UserInputError(
            "The message body is binary data (it holds NUL bytes), not text; nothing was sent. "
            "Send text: a summary, or the data encoded (`base64 FILE | alloy-tui send ...`)."
        )
    return text, charset
