"""The subject a queued message is listed with: read with the light compat32 parser and
email.header, it is exactly what the email package's default policy decodes (RFC 2047 encoded
words, folding, odd charsets, 8-bit bytes, broken encoded words)."""

from __future__ import annotations

import email.parser
import email.policy

import pytest

from alloy_tui.core.outbox.spool import subject_of

SUBJECTS = [
    b"[FIRING:1] HighCPU (web01 warning)",
    b"  leading and   inner  spaces  ",
    b"folded\r\n continuation\r\n\tline",
    b"=?utf-8?q?Cron_h=C3=A9llo?=",
    b"Hello =?utf-8?q?W=C3=B6rld?=",
    b"=?utf-8?q?W=C3=B6rld?= again",
    b"=?utf-8?q?a?= =?utf-8?q?b?=",
    b"=?utf-8?q?a?=\r\n =?utf-8?q?b?=",
    b"=?UTF-8?B?W0ZJUklORzoxXSDwn5SlIEhpZ2hDUFU=?=",
    b"=?iso-8859-1?q?caf=E9?= au lait",
    b"x =?utf-8?q?a?= y =?iso-8859-1?q?b=E9?= z",
    b"a =?utf-8?q?=E2=9C=85?= =?utf-8?q?_ok?= b",
    b"=?utf-8?Q?with=20space?=",
    b"=?utf-8?b?w6k=?=",
    b"=?utf-8?b?w6k?=",
    b"=?utf-8?q?=FF?=",
    b"=?us-ascii?q?=E9?=",
    b"=?UTF-8?Q?=F0=9F=94=A5_firing?= =?UTF-8?Q?_now?=",
    # where the two readers could differ, the default policy's parser decides
    b"foo=?utf-8?q?x?=bar",
    b'"quoted =?utf-8?q?x?="',
    b"=?utf-8?q?a?==?utf-8?q?b?=",
    b"=?utf-8?q?a b?=",
    b"=?utf-8?q?broken",
    b"=?utf-8?b?!!!notbase64?=",
    b"=?unknown-cs?q?abc?=",
    b"=?utf-8*en?q?lang?=",
    b"=??q?x?=",
    "raw utf-8 caf\u00e9".encode(),
    b"raw latin \xe9",
    b"=?utf-8?q?x?= raw \xe9",
    b"",
]


def by_default_policy(raw: bytes) -> str:
    head = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
    return " ".join(str(head.get("Subject", "")).split())


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_subject_reads_as_the_default_policy_decodes_it(subject: bytes) -> None:
    raw = b"To: a@b.com\r\nSubject: " + subject + b"\r\nX-Other: y\r\n\r\nbody =?utf-8?q?no?=\r\n"
    assert subject_of(raw) == by_default_policy(raw)


def test_encoded_words_are_decoded_and_folding_is_flattened() -> None:
    raw = b"Subject: =?utf-8?q?Cron_h=C3=A9llo?=\r\n =?utf-8?q?_w=C3=B6rld?=\r\n\r\nbody"
    assert subject_of(raw) == "Cron héllo wörld"
    assert subject_of(b"Subject: a\n\tb\n\nbody") == "a b"


def test_no_subject_or_an_unreadable_message_lists_none() -> None:
    assert subject_of(b"To: a@b.com\r\n\r\nSubject: in the body\r\n") == ""
    assert subject_of(b"") == ""
    assert subject_of(b"\x00\xff\xfe garbage without headers") == ""
