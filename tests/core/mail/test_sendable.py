"""make_sendable(): NUL bytes and bare CRs base64-encoded (decoding to the very bytes), 8-bit text
with no charset labelled, everything else left byte for byte, and applying it twice changes
nothing."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

import pytest

from alloy_tui.core.mail.sendable import make_sendable, sendable_size, text_charset

HEAD = b"From: a@contoso.example\nTo: b@contoso.example\nSubject: cron\n"


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize(
    "body",
    [
        b"step 1\n\x00\x00 nul bytes\nend\n",
        b"progress 10%\rprogress 50%\rprogress 100%\ndone\n",
        b"both\r\x00\r\nand a CRLF line\r\n",
        b"latin-1 \xe9 with a NUL \x00 and \rbare CR\n",
    ],
)
def test_binary_body_goes_base64_and_decodes_to_the_same_bytes(body: bytes) -> None:
    out = make_sendable(HEAD + b"\n" + body)
    msg = parsed(out)
    assert msg["Content-Transfer-Encoding"] == "base64"
    assert msg.get_payload(decode=True) == body
    _, wire = out.split(b"\r\n\r\n", 1)
    assert b"\x00" not in wire and wire.replace(b"\r\n", b"").isascii()
    assert b"\r" not in wire.replace(b"\r\n", b"")
    assert make_sendable(out) == out  # already fit: the same bytes
    assert b"Subject: cron\r\n" in out and msg["MIME-Version"] == "1.0"


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        ("Sauvegarde terminée\n".encode("latin-1"), "iso-8859-1", "Sauvegarde terminée\n"),
        (b"quoted \x93word\x94\n", "windows-1252", "quoted \u201cword\u201d\n"),
        ("Disk ümlaut €\n".encode(), "utf-8", "Disk ümlaut €\n"),
    ],
)
def test_eight_bit_text_without_charset_is_labelled(body: bytes, charset: str, text: str) -> None:
    out = make_sendable(HEAD + b"\n" + body)
    msg = parsed(out)
    assert msg.get_content_charset() == charset
    assert msg.get_content() == text
    assert out.endswith(b"\r\n\r\n" + body)  # the body itself is untouched
    assert make_sendable(out) == out


def test_a_content_type_without_charset_gets_one_and_keeps_its_parameters() -> None:
    raw = HEAD + b"Content-Type: text/plain; format=flowed\n\ncaf\xe9\n"
    msg = parsed(make_sendable(raw))
    assert msg.get_content_charset() == "iso-8859-1"
    assert msg.get_param("format") == "flowed"


@pytest.mark.parametrize(
    "raw",
    [
        HEAD + b"\nplain ascii\nbody\n",
        HEAD + b"Content-Type: text/plain; charset=utf-8\n\ncaf\xc3\xa9\n",
        HEAD + b"Content-Type: text/plain; charset=koi8-r\n\n\xc1\xc2\n",
        HEAD
        + b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAA==\n",
        HEAD,  # headers only
    ],
)
def test_messages_that_are_fine_are_the_same_bytes(raw: bytes) -> None:
    assert make_sendable(raw) is raw or make_sendable(raw) == raw
    assert sendable_size(raw) == len(raw)


def test_multipart_only_the_parts_that_need_it_change() -> None:
    raw = (
        HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        b"--XX\nContent-Type: text/plain\n\nr\xe9sum\xe9\n"
        b"--XX\nContent-Type: text/plain; charset=us-ascii\n\nfine\n"
        b"--XX\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n"
        b'Content-Disposition: attachment; filename="dump.bin"\n\nA\x00B\rC\n--XX--\n'
    )
    out = make_sendable(raw)
    assert out.startswith(HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n")
    text, fine, dump = (p for p in parsed(out).walk() if not p.is_multipart())
    assert text.get_content_charset() == "iso-8859-1" and text.get_content() == "résumé"
    assert fine.get_content() == "fine"
    assert dump["Content-Transfer-Encoding"] == "base64"
    assert dump.get_payload(decode=True) == b"A\x00B\rC"
    assert dump.get_filename() == "dump.bin"
    assert make_sendable(out) == out


def test_text_charset_is_what_send_reads() -> None:
    assert text_charset(b"ascii") == "utf-8"
    assert text_charset("é".encode()) == "utf-8"
    assert text_charset(b"\xe9") == "iso-8859-1"
    assert text_charset(b"\x80 euro") == "windows-1252"
    assert text_charset(b"\x81 not cp1252") == "iso-8859-1"
