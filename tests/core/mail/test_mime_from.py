"""From, Reply-To and Sender: at the door (prepare) and when the service refused a queued
message's From (rewrite_to_account)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.mime import prepare
from alloy_tui.core.mail.mime_from import rewrite_to_account

ACCOUNT = "alerts@contoso.com"
SHORT = socket.gethostname().split(".")[0]


def settings(**eo: object) -> Settings:
    s = Settings().with_section("exchange_online", account=ACCOUNT, **eo)
    return s.with_section("sendmail", admin="ops@contoso.com")


def headers(raw: bytes) -> dict[str, list[str]]:
    msg = message_from_bytes(raw, policy=policy.default)
    return {k: [str(v) for v in msg.get_all(k, [])] for k in msg.keys()}


def run(raw: bytes, s: Settings | None = None) -> dict[str, list[str]]:
    p = prepare(raw, settings=s or settings(), arg_recipients=(), read_headers=True)
    return headers(p.raw)


def test_a_rewritten_from_goes_into_reply_to_and_a_foreign_sender_goes() -> None:
    h = run(
        b"From: Backup <backup@fabrikam.com>\nSender: bounces@fabrikam.com\n"
        b"To: a@example.com\n\nhi\n"
    )
    assert h["From"] == [f'"Backup ({SHORT})" <{ACCOUNT}>']
    assert h["Reply-To"] == ["Backup <backup@fabrikam.com>"]
    assert "Sender" not in h


def test_the_programs_reply_to_and_a_sender_that_is_the_account_are_kept() -> None:
    h = run(
        f"From: app@fabrikam.com\nReply-To: desk@fabrikam.com\nSender: {ACCOUNT}\n"
        "To: a@example.com\n\nhi\n".encode()
    )
    assert h["Reply-To"] == ["desk@fabrikam.com"] and h["Sender"] == [ACCOUNT]


def test_a_local_from_is_no_address_to_reply_to() -> None:
    for local in (b"root", b"root@localhost", f"root@{SHORT}".encode()):
        h = run(b"From: " + local + b"\nTo: a@example.com\n\nhi\n")
        assert "Reply-To" not in h and h["From"] == [f'"root ({SHORT})" <{ACCOUNT}>']


def test_a_kept_from_adds_no_reply_to() -> None:
    h = run(b"From: me@fabrikam.com\nTo: a@example.com\n\nhi\n", settings(from_delegation=True))
    assert h["From"] == ["me@fabrikam.com"] and "Reply-To" not in h


def test_delegation_never_keeps_a_bare_local_name() -> None:
    h = run(b"From: root\nTo: a@example.com\n\nhi\n", settings(from_delegation=True))
    assert h["From"] == [f'"root ({SHORT})" <{ACCOUNT}>']


def test_rewrite_to_account_after_a_refusal() -> None:
    raw = b"From: The CEO <ceo@contoso.com>\r\nSender: x@fabrikam.com\r\nTo: a@example.com\r\n\r\nhi\r\n"
    out, was = rewrite_to_account(raw, ACCOUNT)
    h = headers(out)
    assert was == "ceo@contoso.com"
    assert h["From"] == [f'"The CEO ({SHORT})" <{ACCOUNT}>']
    assert h["Reply-To"] == ["The CEO <ceo@contoso.com>"] and "Sender" not in h
    assert out.endswith(b"\r\n\r\nhi\r\n")


def test_rewrite_keeps_an_earlier_host_tag_and_a_reply_to() -> None:
    raw = (
        f'From: "Cron Daemon ({SHORT})" <noreply@contoso.com>\nReply-To: ops@contoso.com\n'
        "To: a@example.com\n\nhi\n"
    ).encode()
    out, was = rewrite_to_account(raw, ACCOUNT)
    h = headers(out)
    assert was == "noreply@contoso.com"
    assert h["From"] == [f'"Cron Daemon ({SHORT})" <{ACCOUNT}>']
    assert h["Reply-To"] == ["ops@contoso.com"]


def test_rewrite_of_a_message_already_from_the_account() -> None:
    raw = f"From: {ACCOUNT}\nTo: a@example.com\n\nhi\n".encode()
    assert rewrite_to_account(raw, ACCOUNT) == (raw, "")
    out, was = rewrite_to_account(
        f"From: {ACCOUNT}\nSender: list@fabrikam.com\nTo: a@example.com\n\nhi\n".encode(), ACCOUNT
    )
    assert was == "list@fabrikam.com" and "Sender" not in headers(out)
