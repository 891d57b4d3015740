"""prepare() refusals: each bad input of issue 11 that belongs to parsing gets one clear
sentence and its sysexits code, and nothing is half-accepted."""

from __future__ import annotations

import os

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.mime import MAX_MESSAGE_BYTES, MessageRefused, check_size, prepare

ACCOUNT = "alerts@contoso.com"


def settings() -> Settings:
    s = Settings().with_section("exchange_online", account=ACCOUNT)
    return s.with_section("sendmail", admin="ops@contoso.com")


def refused(
    raw: bytes, args: tuple[str, ...] = (), *, t: bool = True, s: Settings | None = None, **kw: str
) -> MessageRefused:
    with pytest.raises(MessageRefused) as info:
        prepare(raw, settings=s or settings(), arg_recipients=args, read_headers=t, **kw)
    text = str(info.value)
    assert "\n" not in text and "Traceback" not in text
    return info.value


def test_no_recipients_with_t() -> None:
    e = refused(b"Subject: nobody\n\nhi\n")
    assert e.exit_code == os.EX_DATAERR and "no recipient" in str(e)


def test_no_recipients_without_t_says_to_use_t() -> None:
    e = refused(b"To: a@example.com\n\nhi\n", t=False)
    assert e.exit_code == os.EX_DATAERR and "-t" in str(e)


def test_only_empty_groups_is_no_recipient() -> None:
    assert refused(b"To: undisclosed-recipients:;\n\nhi\n").exit_code == os.EX_DATAERR


@pytest.mark.parametrize("raw", [b"", b"\n", b"  \n\n"])
def test_empty_input(raw: bytes) -> None:
    e = refused(raw, ("a@example.com",), t=False)
    assert e.exit_code == os.EX_DATAERR and "empty" in str(e)


@pytest.mark.parametrize(
    "raw",
    [
        b"hello world, this is just text\nsecond line\n",
        b"\nbody with no headers at all\n",
        b"Subject: x\nthis line is not a header\n\nbody\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"Subject: a\x00b\n\nbody\n",
    ],
)
def test_not_rfc5322(raw: bytes) -> None:
    e = refused(raw, ("a@example.com",), t=False)
    assert e.exit_code == os.EX_DATAERR
    assert "RFC 5322" in str(e)


def test_unreadable_header_address() -> None:
    e = refused(b'To: "unterminated <\nSubject: x\n\nhi\n')
    assert e.exit_code == os.EX_DATAERR and "To header" in str(e)


def test_invalid_domain_in_header_recipient() -> None:
    assert refused(b"To: bob@exa mple..com\n\nhi\n").exit_code == os.EX_DATAERR


@pytest.mark.parametrize(
    "bad", ["evil@example.com\r\nBcc: victim@example.com", "a@b.com\nX: y", "a\x00@b.com"]
)
def test_header_injection_through_f(bad: str) -> None:
    e = refused(b"To: a@example.com\n\nhi\n", envelope_from=bad)
    assert e.exit_code == os.EX_USAGE and "-f" in str(e)


def test_header_injection_through_full_name() -> None:
    e = refused(b"To: a@example.com\n\nhi\n", full_name="Cron\r\nBcc: victim@example.com")
    assert e.exit_code == os.EX_USAGE and "-F" in str(e)


def test_header_injection_through_an_argument_recipient() -> None:
    e = refused(b"Subject: x\n\nhi\n", ("a@example.com\nBcc: victim@example.com",), t=False)
    assert e.exit_code == os.EX_USAGE


def test_header_injection_through_an_alias() -> None:
    # The config loader refuses such an alias already; prepare refuses one built in code too.
    s = settings().with_section(
        "sendmail", aliases={"root": "ops@contoso.com\r\nBcc: victim@example.com"}
    )
    e = refused(b"To: root\nSubject: x\n\nhi\n", s=s)
    assert e.exit_code == os.EX_CONFIG and "[sendmail.aliases] root" in str(e)


def test_header_injection_through_admin() -> None:
    s = settings().with_section("sendmail", admin="ops@contoso.com\nBcc: victim@example.com")
    assert refused(b"To: root\n\nhi\n", s=s).exit_code == os.EX_CONFIG


def test_local_recipient_with_no_admin_is_no_user() -> None:
    s = settings().with_section("sendmail", admin="")
    e = refused(b"To: root\nSubject: x\n\nhi\n", s=s)
    assert e.exit_code == os.EX_NOUSER
    assert "'root'" in str(e) and "[sendmail] admin" in str(e)


def test_not_signed_in_is_config() -> None:
    s = settings().with_section("exchange_online", account="")
    e = refused(b"To: a@example.com\n\nhi\n", s=s)
    assert e.exit_code == os.EX_CONFIG and "alloy-tui login" in str(e)


def test_50_mb_message_refused_with_sizes() -> None:
    raw = b"To: a@example.com\nSubject: big\n\n" + b"x" * (50 * 1024 * 1024)
    e = refused(raw)
    assert e.exit_code == os.EX_DATAERR
    assert "50.0 MB" in str(e) and "35.0 MB" in str(e) and str(len(raw)) in str(e)


def test_size_limit_boundary() -> None:
    check_size(MAX_MESSAGE_BYTES)  # exactly the limit is fine
    with pytest.raises(MessageRefused):
        check_size(MAX_MESSAGE_BYTES + 1)
