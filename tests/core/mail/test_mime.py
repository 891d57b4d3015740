"""prepare(): recipients, local names, From, Bcc, -F, and the body kept byte for byte."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.mime import Prepared, end_at_lone_dot, prepare

ACCOUNT = "alerts@contoso.com"
HOST = socket.gethostname()
SHORT = HOST.split(".")[0]


def settings(**sendmail: object) -> Settings:
    s = Settings().with_section("exchange_online", account=ACCOUNT)
    s = s.with_section("sendmail", admin="ops@contoso.com")
    return s.with_section("sendmail", **sendmail) if sendmail else s


def run(
    raw: bytes, args: tuple[str, ...] = (), *, t: bool = True, s: Settings | None = None, **kw: str
) -> Prepared:
    return prepare(raw, settings=s or settings(), arg_recipients=args, read_headers=t, **kw)


def headers(p: Prepared) -> dict[str, str]:
    msg = message_from_bytes(p.raw, policy=policy.default)
    return {k: str(v) for k, v in msg.items()}


CRON = (
    b"From: root (Cron Daemon)\n"
    b"To: root\n"
    b"Subject: Cron <root@web01> /usr/local/bin/backup\n"
    b"Date: Wed, 02 Dec 2026 04:00:01 +0000\n"
    b"Message-ID: <20261202040001.1@web01>\n"
    b"Content-Type: text/plain; charset=UTF-8\n"
    b"\n"
    b"backup done\n"
)


def test_cron_message_goes_to_admin_from_the_account_keeping_the_name() -> None:
    p = run(CRON)
    assert p.recipients == ("ops@contoso.com",)
    assert p.sender == ACCOUNT
    h = headers(p)
    assert h["To"] == "ops@contoso.com"
    assert h["From"] == f'"Cron Daemon ({SHORT})" <{ACCOUNT}>'
    # Subject, Date, Message-ID and the body arrive unchanged
    assert b"Subject: Cron <root@web01> /usr/local/bin/backup\n" in p.raw
    assert b"Date: Wed, 02 Dec 2026 04:00:01 +0000\n" in p.raw
    assert b"Message-ID: <20261202040001.1@web01>\n" in p.raw
    assert p.raw.endswith(b"\n\nbackup done\n")


def test_header_order_is_kept() -> None:
    names = [line.split(b":")[0] for line in run(CRON).raw.split(b"\n\n")[0].split(b"\n")]
    assert names == [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"Content-Type"]


@pytest.mark.parametrize(
    "local",
    ["root", "root@localhost", f"root@{HOST}", f"root@{SHORT}", "root@localhost.localdomain"],
)
def test_local_forms_all_go_to_admin(local: str) -> None:
    p = run(b"Subject: x\n\nbody\n", (local,), t=False)
    assert p.recipients == ("ops@contoso.com",)


def test_fqdn_counts_as_this_host() -> None:
    fqdn = socket.getfqdn()
    p = run(b"Subject: x\n\nbody\n", (f"root@{fqdn}",), t=False)
    assert p.recipients == ("ops@contoso.com",)


def test_alias_wins_over_admin_and_is_written_into_the_header() -> None:
    s = settings(aliases={"www-data": "web-team@contoso.com"})
    p = run(b"To: Web <www-data@localhost>, root\nSubject: x\n\nhi\n", s=s)
    assert p.recipients == ("web-team@contoso.com", "ops@contoso.com")
    assert headers(p)["To"] == "Web <web-team@contoso.com>, ops@contoso.com"


def test_arguments_only_without_t_whatever_to_says() -> None:
    p = run(b"To: someone@example.com\nSubject: x\n\nhi\n", ("bob@example.com",), t=False)
    assert p.recipients == ("bob@example.com",)
    assert headers(p)["To"] == "someone@example.com"  # the header itself is left alone


def test_t_adds_header_recipients_to_arguments_without_duplicates() -> None:
    raw = b"To: a@example.com\nCc: B <b@example.com>, a@example.com\nBcc: c@example.com\n\nhi\n"
    p = run(raw, ("d@example.com", "A@example.com"))
    assert p.recipients == ("d@example.com", "A@example.com", "b@example.com", "c@example.com")


def test_bcc_delivered_but_never_shown() -> None:
    raw = b"To: a@example.com\nBcc: secret@example.com,\n  other@example.com\nSubject: x\n\nhi\n"
    p = run(raw)
    assert "secret@example.com" in p.recipients and "other@example.com" in p.recipients
    assert b"secret" not in p.raw and b"other@" not in p.raw and b"Bcc" not in p.raw


def test_bcc_removed_even_without_t() -> None:
    p = run(b"To: a@example.com\nBcc: secret@example.com\n\nhi\n", ("a@example.com",), t=False)
    assert p.recipients == ("a@example.com",)
    assert b"secret" not in p.raw


def test_group_syntax_is_read() -> None:
    p = run(b"To: Team: a@example.com, b@example.com;\nCc: undisclosed-recipients:;\n\nhi\n")
    assert p.recipients == ("a@example.com", "b@example.com")


def test_from_the_account_itself_is_kept_byte_for_byte() -> None:
    p = run(b"From: Alerts <alerts@contoso.com>\nTo: a@example.com\n\nhi\n")
    assert b"From: Alerts <alerts@contoso.com>\n" in p.raw
    assert p.sender == ACCOUNT


def test_other_from_is_rewritten_without_delegation() -> None:
    p = run(b"From: Backup <backup@contoso.com>\nTo: a@example.com\n\nhi\n")
    assert headers(p)["From"] == f'"Backup ({SHORT})" <{ACCOUNT}>'
    assert p.sender == ACCOUNT


def test_delegation_keeps_a_real_mailbox_from() -> None:
    s = settings().with_section("exchange_online", from_delegation=True)
    p = run(b"From: Backup <backup@contoso.com>\nTo: a@example.com\n\nhi\n", s=s)
    assert b"From: Backup <backup@contoso.com>\n" in p.raw
    assert p.sender == "backup@contoso.com"


def test_delegation_never_keeps_a_local_from() -> None:
    s = settings().with_section("exchange_online", from_delegation=True)
    p = run(f"From: root@{HOST}\nTo: a@example.com\n\nhi\n".encode(), s=s)
    assert p.sender == ACCOUNT
    assert headers(p)["From"] == f'"root ({SHORT})" <{ACCOUNT}>'


def test_default_from_is_the_sender_when_set() -> None:
    s = settings().with_section("message", default_from="noreply@contoso.com")
    p = run(b"From: root\nTo: a@example.com\n\nhi\n", s=s)
    assert p.sender == "noreply@contoso.com"


def test_full_name_option_when_from_has_none() -> None:
    p = run(b"From: root\nTo: a@example.com\n\nhi\n", full_name="CronDaemon")
    assert headers(p)["From"] == f'"CronDaemon ({SHORT})" <{ACCOUNT}>'
    p = run(b"From: Named <root>\nTo: a@example.com\n\nhi\n", full_name="CronDaemon")
    assert headers(p)["From"] == f'"Named ({SHORT})" <{ACCOUNT}>'


def test_no_from_header_gets_one_plus_date_and_message_id() -> None:
    p = run(b"To: a@example.com\nSubject: x\n\nhi\n", full_name="Backup job")
    h = headers(p)
    assert h["From"] == f'"Backup job ({SHORT})" <{ACCOUNT}>'
    assert h["Date"] and h["Message-ID"].endswith("@contoso.com>")


def test_non_ascii_display_name_is_encoded() -> None:
    p = run("From: Sauvegarde Système <root>\nTo: a@example.com\n\nhi\n".encode())
    line = [x for x in p.raw.split(b"\n") if x.startswith(b"From:")][0]
    assert line.isascii() and b"=?utf-8?" in line
    assert headers(p)["From"] == f'"Sauvegarde Système ({SHORT})" <{ACCOUNT}>'


def test_eight_bit_and_non_utf8_body_kept_byte_exact() -> None:
    body = "Café ünïcode\n".encode() + b"latin-1 \xe9\xe8 and bare \xff\xfe\x00 bytes\r\nmixed\n"
    raw = b"To: a@example.com\nSubject: 8bit\nContent-Transfer-Encoding: 8bit\n\n" + body
    assert run(raw).raw.endswith(b"\n\n" + body)


def test_eight_bit_header_bytes_kept() -> None:
    raw = b"To: a@example.com\nSubject: caf\xe9 \xc3\xa9\n\nhi\n"
    assert b"Subject: caf\xe9 \xc3\xa9\n" in run(raw).raw


def test_crlf_message_stays_crlf() -> None:
    raw = b"From: root\r\nTo: root\r\nSubject: x\r\n\r\nline one\r\nline two\r\n"
    p = run(raw)
    head, body = p.raw.split(b"\r\n\r\n", 1)
    assert b"\n" not in head.replace(b"\r\n", b"")
    assert body == b"line one\r\nline two\r\n"


def test_mime_multipart_with_attachment_unchanged() -> None:
    from email.message import EmailMessage

    m = EmailMessage()
    m["To"] = "root"
    m["Subject"] = "report"
    m.set_content("see attached")
    m.add_attachment(
        bytes(range(256)) * 10, maintype="application", subtype="octet-stream", filename="a.bin"
    )
    raw = m.as_bytes()
    p = run(raw)
    assert p.raw.split(b"\n\n", 1)[1] == raw.split(b"\n\n", 1)[1]
    out = message_from_bytes(p.raw, policy=policy.default)
    parts = list(out.iter_attachments())
    assert parts[0].get_content() == bytes(range(256)) * 10


def test_headers_only_message_is_accepted_with_an_empty_body() -> None:
    p = run(b"To: a@example.com\nSubject: disk full")
    assert p.recipients == ("a@example.com",)
    head, body = p.raw.split(b"\n\n", 1)
    assert body == b""
    assert b"Subject: disk full\n" in head + b"\n"


def test_lone_dot_ends_message_only_without_i() -> None:
    raw = b"To: a@example.com\n\nline\n.\nafter\n"
    assert end_at_lone_dot(raw) == b"To: a@example.com\n\nline\n"
    assert end_at_lone_dot(b"To: a\n\nline\r\n.\r\nafter") == b"To: a\n\nline\r\n"
    assert end_at_lone_dot(b"To: a\n\nline\n.") == b"To: a\n\nline\n"
    assert end_at_lone_dot(b"To: a\n\n..\n.x\n") == b"To: a\n\n..\n.x\n"
