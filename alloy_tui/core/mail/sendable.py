"""A message made fit for every service without changing what it says.

Programs hand over bodies no service takes as they are: cron output with NUL bytes (Graph
answers 400 ErrorMimeContentConversionFailed, SMTP forbids NUL on the wire), bare CRs (progress
bars; SMTP clients and Exchange turn them into line breaks), and 8-bit text with no charset
(PHP, cron in Latin-1: the recipient's client guesses). `make_sendable` fixes exactly those
parts, with the stdlib ``email`` package:

- a body (or MIME part) sent as 7bit/8bit/binary that holds a NUL byte or a bare CR goes out
  base64-encoded, so it decodes to the very bytes the program wrote;
- 8-bit text with no charset is labelled: UTF-8 when it decodes as UTF-8, else as `alloy-tui
  send` reads it (Windows-1252 when it uses that code page's 0x80-0x9F characters, else
  ISO-8859-1, where every byte is a character);

and leaves everything else byte for byte (the usual case costs three scans of the body). The
outbox keeps the message as it was handed over; every delivery (Graph, EWS, SMTP) sends it
through here, so a message queued before this existed goes out fixed too.
"""

from __future__ import annotations

import base64
import re

from alloy_tui.core.mail.headers import split_head

_BARE_CR = re.compile(rb"\r(?!\n)")
_C1 = re.compile(rb"[\x80-\x9f]")
PLAIN_ENCODINGS = ("", "7bit", "8bit", "binary")  # transfer encodings that carry bytes as they are


def text_charset(data: bytes) -> str:
    """The charset 8-bit text is read as: utf-8, else windows-1252 or iso-8859-1."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _C1.search(data):
        try:
            data.decode("cp1252")
            return "windows-1252"
        except UnicodeDecodeError:
            pass
    return "iso-8859-1"


def split_body(raw: bytes) -> tuple[bytes, bytes]:
    """(header block with its last line ending, body): `headers.split_head` without the
    empty line."""
    head, _, body = split_head(raw)
    return head, body


def _binary(data: bytes) -> bool:
    """Bytes no 7bit/8bit transfer carries whole: a NUL or a CR not before LF."""
    return b"\x00" in data or (b"\r" in data and _BARE_CR.search(data) is not None)


def needs_fixing(raw: bytes) -> bool:
    """False for the usual message (quick: no parsing)."""
    body = split_body(raw)[1]
    return bool(body) and (_binary(body) or not body.isascii())


def make_sendable(raw: bytes) -> bytes:
    """The message with binary bodies base64-encoded and unlabelled 8-bit text labelled; the
    same bytes when nothing needs it."""
    if not needs_fixing(raw):
        return raw
    from email.parser import BytesParser

    head, body = split_body(raw)
    msg = BytesParser().parsebytes(head, headersonly=True)
    maintype = msg.get_content_maintype()
    if maintype == "multipart":
        return _multipart(raw, head)
    if maintype == "message":
        return raw  # message/* may only be 7bit/8bit/binary
    return _single(raw, head, body)


def _fix(part: object, data: bytes) -> bool:
    """Label and encode one leaf (an email.message.Message) in place; False: nothing to do."""
    from email.message import Message

    assert isinstance(part, Message)
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte not in PLAIN_ENCODINGS:
        return False
    binary = _binary(data)
    label = ""
    if (
        part.get_content_maintype() == "text"
        and not data.isascii()
        and not part.get_param("charset")
    ):
        label = text_charset(data)
    if not (binary or label):
        return False
    if label:
        if "/" not in str(part.get("Content-Type", "")).split(";")[0]:
            del part["Content-Type"]
            part["Content-Type"] = "text/plain"
        part.set_param("charset", label)
    if binary or not cte or cte == "7bit":
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "base64" if binary else "8bit"
    if binary:
        part.set_payload(base64.encodebytes(data).decode("ascii"))
    return True


def _single(raw: bytes, head: bytes, body: bytes) -> bytes:
    from email.parser import BytesParser

    from alloy_tui.core.mail.mime_headers import header_line

    msg = BytesParser().parsebytes(head, headersonly=True)
    before = {k.lower(): str(v) for k, v in msg.raw_items()}
    binary = _binary(body)
    if not _fix(msg, body):
        return raw
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    after = {k.lower(): str(v) for k, v in msg.raw_items()}
    touched = {k for k in after if before.get(k) != after[k]}
    lines = [
        header_line(name, str(value), "\r\n")
        for name, value in msg.raw_items()
        if name.lower() not in touched
    ]
    lines += [
        header_line(name, str(value), "\r\n")
        for name, value in msg.raw_items()
        if name.lower() in touched
    ]
    out = base64.encodebytes(body).replace(b"\n", b"\r\n") if binary else body
    return b"".join(lines) + b"\r\n" + out


def _multipart(raw: bytes, head: bytes) -> bytes:
    """Each leaf fixed as `_single` fixes a whole body; the top-level header block as it came."""
    from email import policy
    from email.generator import BytesGenerator
    from email.parser import BytesParser
    from io import BytesIO

    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    fixed = False
    for part in msg.walk():
        if part.is_multipart() or part is msg:
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and _fix(part, data):
            fixed = True
    if not fixed:
        return raw
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=policy.compat32.clone(linesep="\r\n")).flatten(
        msg
    )
    body = out.getvalue().split(b"\r\n\r\n", 1)[1]
    return head + b"\r\n" + body


def sendable_size(raw: bytes) -> int:
    """The size the message will have on its way out."""
    return len(make_sendable(raw)) if needs_fixing(raw) else len(raw)
