"""The listener with a well-behaved client (smtplib over a real socket): 250 carries the queue id
of a message already durable in the outbox, and sendmail's rules apply (local names mapped,
From rewritten, Bcc removed); refusals are the replies a client understands."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from alloy_tui.core.config import load_or_default
from alloy_tui.core.smtpd import SmtpdError, start_listener
from tests.helpers.smtpd_listener import MESSAGE, data_answer, listening, write_config


def queued(box_path: Path, qid: str) -> bytes:
    return (box_path / "messages" / f"{qid}.eml").read_bytes()


def test_250_names_the_queue_id_of_a_durable_message(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        c.mail("grafana@contoso.com")
        c.rcpt("ops@contoso.com")
        code, text = c.data(MESSAGE)
        assert code == 250
        qid = text.decode().rsplit(" ", 1)[-1]
        # The id in the reply is a message whose files and metadata are already there.
        assert box.ids() == [qid]
        meta = box.read_meta(qid)
        assert meta is not None
        assert meta["to"] == ["ops@contoso.com"] and meta["source"] == "smtpd"
        assert meta["sender"] == "alerts@contoso.com"
        assert b"The CPU is at 97 %." in queued(box.path, qid)


def test_sendmail_rules_local_names_from_rewritten_bcc_dropped(tmp_path: Path) -> None:
    message = (
        b"From: Grafana <grafana@monitoring.example>\r\nTo: root\r\nBcc: audit@contoso.com\r\n"
        b"Subject: disk\r\n\r\nbody\r\n"
    )
    with listening(tmp_path) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.sendmail("grafana@monitoring.example", ["root", "audit@contoso.com"], message)
        (qid,) = box.ids()
        meta = box.read_meta(qid)
        assert meta is not None
        assert meta["to"] == ["ops@contoso.com", "audit@contoso.com"]  # root -> [sendmail] admin
        raw = queued(box.path, qid)
        assert b"alerts@contoso.com" in raw.split(b"\r\n\r\n")[0]  # From is the account
        assert b"grafana@monitoring.example>" not in raw.split(b"\r\n\r\n")[0].split(b"To:")[0]
        assert b"Bcc" not in raw and b"To: ops@contoso.com" in raw


def test_ehlo_announces_size_and_a_larger_message_is_refused_552(tmp_path: Path) -> None:
    with (
        listening(tmp_path, "max_message_bytes = 2048") as (running, box),
        smtplib.SMTP("127.0.0.1", running.port) as c,
    ):
        c.ehlo()
        assert c.esmtp_features["size"] == "2048"
        code, _ = c.mail("grafana@contoso.com", ["SIZE=4096"])
        assert code == 552
        c.rset()
        c.mail("grafana@contoso.com")
        c.rcpt("ops@contoso.com")
        code, _ = c.data(MESSAGE + b"x" * 3000 + b"\r\n")
        assert code == 552
        assert box.ids() == []
        assert c.noop()[0] == 250  # the session goes on


def test_recipient_outside_the_allowed_domains_gets_550(tmp_path: Path) -> None:
    smtpd = 'allowed_recipient_domains = ["contoso.com"]'
    with listening(tmp_path, smtpd) as (running, box), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        c.mail("grafana@contoso.com")
        code, text = c.rcpt("someone@fabrikam.example")
        assert code == 550 and b"allowed_recipient_domains" in text
        assert c.rcpt("root")[0] == 250  # root maps to ops@contoso.com: allowed
        assert c.data(MESSAGE)[0] == 250
        (qid,) = box.ids()
        meta = box.read_meta(qid)
        assert meta is not None and meta["to"] == ["ops@contoso.com"]


def test_local_name_with_no_address_is_refused_550(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, box):
        config = tmp_path / "config.toml"
        assert 'admin = "ops@contoso.com"' in config.read_text()
    # Without [sendmail] admin, a local name has nowhere to go.
    config.write_text(config.read_text().replace('admin = "ops@contoso.com"', 'admin = ""'))
    with (
        listening(tmp_path, config=config) as (running, _),
        smtplib.SMTP("127.0.0.1", running.port) as c,
    ):
        c.ehlo()
        c.mail("grafana@contoso.com")
        code, text = c.rcpt("root")
        assert code == 550, text


def test_sender_outside_allowed_senders_gets_550(tmp_path: Path) -> None:
    smtpd = 'allowed_senders = ["grafana@contoso.com", "@monitoring.contoso.com"]'
    with listening(tmp_path, smtpd) as (running, _), smtplib.SMTP("127.0.0.1", running.port) as c:
        c.ehlo()
        assert c.mail("mallory@fabrikam.example")[0] == 550
        assert c.mail("<>")[0] == 550
        assert c.mail("zabbix@monitoring.contoso.com")[0] == 250
        c.rset()
        assert c.mail("GRAFANA@contoso.com")[0] == 250


def test_too_many_recipients_gets_452(tmp_path: Path) -> None:
    with (
        listening(tmp_path, "max_recipients = 2") as (running, box),
        smtplib.SMTP("127.0.0.1", running.port) as c,
    ):
        c.ehlo()
        c.mail("grafana@contoso.com")
        assert c.rcpt("a@contoso.com")[0] == 250
        assert c.rcpt("b@contoso.com")[0] == 250
        assert c.rcpt("c@contoso.com")[0] == 452
        assert c.data(MESSAGE)[0] == 250
        meta = box.read_meta(box.ids()[0])
        assert meta is not None and meta["to"] == ["a@contoso.com", "b@contoso.com"]


def test_not_signed_in_answers_451_so_the_client_keeps_the_message(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace('account = "alerts@contoso.com"\n', ""))
    code, text = data_answer(tmp_path, config=config)
    assert code == 451 and b"sign in" in text


@pytest.mark.parametrize("listen", ["0.0.0.0:0", "[::]:0", "192.0.2.10:2525"])
def test_a_non_loopback_listen_is_refused_without_users_and_tls(
    tmp_path: Path, listen: str
) -> None:
    config = write_config(tmp_path)
    settings = load_or_default(config).settings
    with pytest.raises(SmtpdError) as caught:
        start_listener(settings, config, listen)
    assert "loopback" in caught.value.explanation.title


def test_a_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    with listening(tmp_path) as (running, _):
        config = tmp_path / "config.toml"
        settings = load_or_default(config).settings
        with pytest.raises(SmtpdError) as caught:
            start_listener(settings, config, f"127.0.0.1:{running.port}")
        assert "can't open its port" in caught.value.explanation.title


def test_the_daemon_runs_no_listener_unless_smtpd_listen_is_set(tmp_path: Path) -> None:
    from alloy_tui.core.smtpd import daemon_listener

    config = write_config(tmp_path)
    with daemon_listener(load_or_default(config).settings, config) as running:
        assert running is None
