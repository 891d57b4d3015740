"""Address and header validation: bad input gets one clear sentence, CR/LF never passes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.errors import UserInputError
from alloy_tui.core.mail.addresses import (
    LINE_BREAKS,
    MAX_HEADER_LENGTH,
    check_header_text,
    parse_address,
    parse_addresses,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bob@example.com", "bob@example.com"),
        ("  bob@example.com\t", "bob@example.com"),
        ("Bob.Smith@Example.COM", "Bob.Smith@example.com"),
        ("alerts@contoso.example", "alerts@contoso.example"),
        ("x@mailhost.invalid", "x@mailhost.invalid"),
        ("x@sub.domain.test", "x@sub.domain.test"),
        ("svc@corp.local", "svc@corp.local"),
        ("first+tag@example.org", "first+tag@example.org"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("user@münchen.de", "user@münchen.de"),
    ],
)
def test_valid_addresses(text: str, expected: str) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("bob@example.com\r\nBcc: eve@evil.example", "line break"),
        ("bob@example.com\n", "line break"),
        ("bob\r@example.com", "line break"),
        ("bob@example.com\x00", "line break or NUL"),
        ("bob@example.com\u2028", "line break"),
        ('"Bob" <bob@example.com>', "without a display name"),
        ("Bob <bob@example.com>", "without a display name"),
        ("<bob@example.com>", "without a display name"),
        ("bob@example.com, eve@example.com", "more than one address"),
        ("bob@example.com;eve@example.com", "more than one address"),
        ("bob smith@example.com", "contains a space"),
        ("bob", "exactly one @"),
        ("bob@@example.com", "exactly one @"),
        ("@example.com", "not valid"),
        ("bob@", "not valid"),
        ("bob@localhost", "not valid"),
        ("bob@example", "not valid"),
        ("bob@exa mple.com", "contains a space"),
        ("bob..smith@example.com", "not valid"),
        ("bob@[127.0.0.1]", "not valid"),
        ("a" * 250 + "@example.com", "longer than 254"),
        ("bob\t@example.com", "control character"),
    ],
)
def test_invalid_addresses(text: str, words: str) -> None:
    with pytest.raises(UserInputError) as info:
        parse_address(text, "recipient")
    message = str(info.value)
    assert words in message
    assert message.startswith("The recipient address")
    assert "\n" not in message and "\r" not in message  # one sentence, CR/LF shown escaped
    if text.strip():
        assert repr(text)[:20] in message


def test_message_names_the_field() -> None:
    with pytest.raises(UserInputError, match="^The From address 'nope' "):
        parse_address("nope", "From")
    with pytest.raises(UserInputError, match="^The From address 'nope' "):
        parse_address("nope", "From address")


def test_crlf_is_visible_in_message() -> None:
    with pytest.raises(UserInputError) as info:
        parse_address("a@example.com\r\nBcc: x@example.com")
    assert "\\r\\n" in str(info.value)


def test_parse_addresses() -> None:
    assert parse_addresses(["a@example.com", "b@example.com"]) == ("a@example.com", "b@example.com")
    assert parse_addresses("a@example.com") == ("a@example.com",)
    assert parse_addresses(["a@example.com; b@example.com", "A@EXAMPLE.com"]) == (
        "a@example.com",
        "b@example.com",
    )
    assert parse_addresses(("x@contoso.example",)) == ("x@contoso.example",)


@pytest.mark.parametrize("value", [[], [""], ["  "], ()])
def test_parse_addresses_needs_one(value: list[str]) -> None:
    with pytest.raises(UserInputError, match="At least one recipient address"):
        parse_addresses(value)


def test_parse_addresses_refuses_any_bad_item() -> None:
    with pytest.raises(UserInputError, match="'not-an-address'"):
        parse_addresses(["a@example.com", "not-an-address"])
    with pytest.raises(UserInputError, match="empty entry"):
        parse_addresses(["a@example.com,,b@example.com"])
    with pytest.raises(UserInputError, match="line break"):
        parse_addresses(["a@example.com,\nb@example.com"])


def test_header_text() -> None:
    assert check_header_text("Disk space low on srv1 — 95 %") == "Disk space low on srv1 — 95 %"
    assert check_header_text("") == ""
    assert check_header_text("x" * MAX_HEADER_LENGTH) == "x" * MAX_HEADER_LENGTH
    with pytest.raises(
        UserInputError, match="The subject 'Hi\\\\r\\\\nBcc: x' contains a line break"
    ):
        check_header_text("Hi\r\nBcc: x")
    with pytest.raises(UserInputError, match="at most 998"):
        check_header_text("x" * (MAX_HEADER_LENGTH + 1))
    with pytest.raises(UserInputError, match="control character"):
        check_header_text("bell\x07")
    with pytest.raises(UserInputError, match="^The title"):
        check_header_text("a\nb", "title")


def test_non_text_refused() -> None:
    with pytest.raises(UserInputError):
        parse_address(None)  # type: ignore[arg-type]
    with pytest.raises(UserInputError):
        check_header_text(b"bytes")  # type: ignore[arg-type]


# Fuzzing ----------------------------------------------------------------------------------------
_breaks = st.sampled_from(sorted(LINE_BREAKS))
_address_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(_address_chars, max_size=40), _breaks, st.text(_address_chars, max_size=40))
def test_fuzz_no_line_break_is_ever_accepted(prefix: str, brk: str, suffix: str) -> None:
    text = prefix + brk + suffix
    with pytest.raises(UserInputError):
        parse_address(text)
    with pytest.raises(UserInputError):
        parse_addresses([text])
    with pytest.raises(UserInputError):
        check_header_text(text)


@settings(max_examples=300, deadline=None)
@given(st.text(_address_chars, max_size=60))
def test_fuzz_accepted_addresses_are_single_clean_mailboxes(text: str) -> None:
    try:
        address = parse_address(text)
    except UserInputError as e:
        assert "\n" not in str(e) and "\r" not in str(e)
        return
    assert not any(c in LINE_BREAKS for c in address)
    assert address.count("@") == 1
    assert not any(c in address for c in '<>,;" ')
    assert parse_address(address) == address  # normalising is idempotent


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z0-9%+_-]{1,10}(\.[a-z0-9%+_-]{1,10}){0,2}", fullmatch=True),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["com", "example", "test", "invalid", "org"]),
)
def test_fuzz_plain_addresses_round_trip(local: str, label: str, tld: str) -> None:
    text = f"{local}@{label}.{tld}"
    assert parse_address(text) == text
