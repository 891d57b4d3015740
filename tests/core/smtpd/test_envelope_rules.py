"""What real clients meet: 552 stating the limit, 501 for a malformed path, quoted local parts
and UTF-8 mailbox names queued intact, DSN parameters recorded, PIPELINING and SMTPUTF8
advertised (SMTPUTF8 only when the service takes it)."""

from __future__ import annotations

import smtplib
from pathlib import Path

from alloy_tui.core.config import load_or_default
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.smtpd import start_listener
from tests.helpers.smtpd_listener import MESSAGE, Raw, listening


def opened(port: int) -> Raw:
    raw = Raw(port)
    assert raw.reply().startswith("220")
    return raw


def test_552_states_the_limit_at_mail_from_and_after_data(tmp_path: Path) -> None:
    text = "552 5.3.4 Message size exceeds fixed maximum message size of 2048 bytes"
    with listening(tmp_path, "max_message_bytes = 2048") as (running, box):
        raw = opened(running.port)
        assert "SIZE 2048" in raw.command(b"EHLO client.test")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com> SIZE=4096") == text
        assert raw.command(b"MAIL FROM:<grafana@contoso.com>").startswith("250")
        assert raw.command(b"RCPT TO:<ops@contoso.com>").startswith("250")
        assert raw.command(b"DATA").startswith("354")
        raw.send(MESSAGE + b"x" * 998 + b"\r\n" + b"y" * 998 + b"\r\n")
        assert raw.command(b".") == text
        assert raw.command(b"NOOP").startswith("250")  # the session goes on
        assert box.ids() == []


def test_a_header_block_over_max_header_bytes_gets_552_with_the_limit(tmp_path: Path) -> None:
    with listening(tmp_path, "max_header_bytes = 1024") as (running, box):
        raw = opened(running.port)
        raw.command(b"EHLO client.test")
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        assert raw.command(b"DATA").startswith("354")
        raw.send(b"".join(b"X-Label-%d: %s\r\n" % (n, b"v" * 60) for n in range(40)))
        raw.send(b"Subject: many headers\r\n\r\nbody\r\n")
        reply = raw.command(b".")
        assert reply == (
            "552 5.3.4 Message header exceeds fixed maximum header size of 1024 bytes"
        ), reply
        assert box.ids() == []


def test_malformed_paths_get_501(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box):
        raw = opened(running.port)
        raw.command(b"EHLO client.test")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com").startswith("501 5.1.3")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com>").startswith("250")
        for bad in (b"RCPT TO:<x@y", b"RCPT TO:<a<b@c>", b"RCPT TO:<x@y>junk", b"RCPT TO:<a b@c>"):
            reply = raw.command(bad)
            assert reply.startswith("501"), (bad, reply)
        assert raw.command(b"RCPT TO:<ops@contoso.com>").startswith("250")
        raw.close()
        assert box.ids() == []


def test_quoted_local_parts_are_accepted_and_queued_intact(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        refused = c.sendmail(
            '"grafana alerts"@contoso.com',
            ['"john smith"@example.com', '"a\\"b"@example.com', "ops@contoso.com"],
            MESSAGE,
        )
        assert refused == {}
        [qid] = box.ids()
        meta = box.read_meta(qid)
        assert meta is not None
        assert meta["to"] == ['"john smith"@example.com', '"a\\"b"@example.com', "ops@contoso.com"]


def test_dsn_parameters_are_accepted_and_recorded(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        assert c.has_extn("pipelining") and c.has_extn("enhancedstatuscodes")
        code, _ = c.mail("grafana@contoso.com", ["RET=HDRS", "ENVID=QQ314159"])
        assert code == 250
        code, _ = c.rcpt("ops@contoso.com", ["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;ops+2B@x"])
        assert code == 250
        assert c.rcpt("dev@contoso.com", ["NOTIFY=NEVER"])[0] == 250
        assert c.rcpt("qa@contoso.com", ["NOTIFY=NEVER,DELAY"])[0] == 501
        assert c.rcpt("qa@contoso.com", ["FOO=BAR"])[0] == 555
        assert c.data(MESSAGE)[0] == 250
        meta = box.read_meta(box.ids()[0])
        assert meta is not None
        assert meta["details"] == {
            "dsn_ret": "HDRS",
            "dsn_envid": "QQ314159",
            "dsn_notify": "ops@contoso.com=SUCCESS,FAILURE; dev@contoso.com=NEVER",
            "dsn_orcpt": "ops@contoso.com=rfc822;ops+2B@x",
        }


def test_smtputf8_is_offered_and_a_utf8_mailbox_is_queued_intact(tmp_path: Path) -> None:
    message = (
        "From: Jörg <grafana@contoso.com>\r\nTo: jörg@bücher.example\r\nSubject: Grüße\r\n"
        "\r\nÄrger im Rechenzentrum.\r\n"
    ).encode()
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        assert c.has_extn("smtputf8")
        refused = c.sendmail(
            "grafana@contoso.com", ["jörg@bücher.example"], message, mail_options=["SMTPUTF8"]
        )
        assert refused == {}
        meta = box.read_meta(box.ids()[0])
        assert meta is not None and meta["to"] == ["jörg@bücher.example"]
        assert meta["subject"] == "Grüße"
        assert "Ärger im Rechenzentrum.".encode() in box.read_raw(box.ids()[0])
        raw = opened(running.port)  # without SMTPUTF8 in MAIL FROM: refused, clearly
        raw.command(b"EHLO client.test")
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        assert raw.command("RCPT TO:<jörg@bücher.example>".encode()).startswith("553 5.6.7")


def test_a_service_that_cant_take_utf8_mailboxes_does_not_offer_smtputf8(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 9\nsecurity = "none"\n'
        'from_address = "alerts@contoso.com"\n'
        f'[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n[queue]\npath = "{tmp_path / "q"}"\n'
    )
    settings = load_or_default(config).settings
    running = start_listener(settings, config, "127.0.0.1:0", outbox=Outbox(tmp_path / "q"))
    try:
        raw = opened(running.port)
        assert "SMTPUTF8" not in raw.command(b"EHLO client.test")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com> SMTPUTF8").startswith("501")
        assert raw.command(b"MAIL FROM:<grafana@contoso.com>").startswith("250")
        reply = raw.command("RCPT TO:<jörg@bücher.example>".encode())
        assert reply.startswith("553 5.6.7") and "Microsoft Graph" in reply
        raw.close()
    finally:
        running.stop()
