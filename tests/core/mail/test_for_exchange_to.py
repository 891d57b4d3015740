"""for_exchange(): Graph and EWS take the recipients from the headers, so To/Cc show who the
message goes to, the others go as Bcc, and a message never goes without a To."""

from __future__ import annotations

from email import message_from_bytes, policy

from alloy_tui.core.mail.headers import for_exchange


def fields(raw: bytes) -> dict[str, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    return {k: str(v) for k, v in msg.items()}


def test_envelope_recipients_not_in_to_become_the_to() -> None:
    out = fields(for_exchange(b"To: other@elsewhere.com\nSubject: s\n\nx\n", ["ops@contoso.com"]))
    assert out["To"] == "ops@contoso.com" and "Bcc" not in out


def test_no_to_header_at_all_gets_the_recipients() -> None:
    out = fields(for_exchange(b"Subject: s\n\nx\n", ["a@contoso.com", "b@contoso.com"]))
    assert out["To"] == "a@contoso.com, b@contoso.com"


def test_to_keeps_only_recipients_and_extra_ones_go_as_bcc() -> None:
    raw = b"To: A <a@contoso.com>, gone@elsewhere.com\nCc: c@contoso.com\nSubject: s\n\nx\n"
    out = fields(for_exchange(raw, ["a@contoso.com", "c@contoso.com", "hidden@contoso.com"]))
    assert out["To"] == "A <a@contoso.com>" and out["Cc"] == "c@contoso.com"
    assert out["Bcc"] == "hidden@contoso.com"


def test_a_resend_to_the_rest_drops_only_the_refused() -> None:
    raw = b"To: a@contoso.com, bad@contoso.com\nCc: c@contoso.com\nSubject: s\n\nx\n"
    out = fields(for_exchange(raw, ["a@contoso.com", "c@contoso.com"]))
    assert out["To"] == "a@contoso.com" and out["Cc"] == "c@contoso.com" and "Bcc" not in out


def test_only_cc_left_shown_gets_the_empty_group_as_to_and_hides_the_rest() -> None:
    raw = b"To: gone@elsewhere.com\nCc: c@contoso.com\nSubject: s\n\nx\n"
    out = fields(for_exchange(raw, ["c@contoso.com", "hidden@contoso.com"]))
    assert out["To"] == "undisclosed-recipients:;" and out["Bcc"] == "hidden@contoso.com"


def test_a_group_to_is_kept() -> None:
    raw = b"To: undisclosed-recipients:;\nSubject: s\n\nx\n"
    out = fields(for_exchange(raw, ["a@contoso.com"]))
    assert out["To"] == "undisclosed-recipients:;" and out["Bcc"] == "a@contoso.com"
