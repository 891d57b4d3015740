"""The mail log: a real runner delivering against the sandbox (Graph, and its SMTP stand-in) and
a real SMTP server, its syslog lines read from a unix datagram socket the test binds
($ALLOY_TUI_SYSLOG_SOCKET): `(queue active)` when a message is taken, then per recipient
status=sent / deferred / bounced in postfix's shape; nothing when `[log] syslog = false`; no
password and no terminal control in any line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, run_queue
from alloy_tui.sandbox import Sandbox
from tests.helpers.alert_receivers import SyslogReceiver
from tests.helpers.clock import FakeClock
from tests.helpers.m365 import ACCOUNT, copy_cache, settings_for
from tests.helpers.smtp_server import SmtpServer, smtp_settings

GOOD, BAD = "ops@contoso.example", "typo.refused@contoso.example"
LINE = re.compile(
    r"^<22>alloy-tui\[\d+\]: (?P<qid>\S+): to=<(?P<to>[^>]*)>, relay=(?P<relay>[^,]+), "
    r"delay=(?P<delay>\d+\.\d), dsn=(?P<dsn>\d\.\d\.\d), status=(?P<status>sent|deferred|bounced) "
    r"\((?P<reason>.*)\)$"
)
ACTIVE = re.compile(
    r"^<22>alloy-tui\[\d+\]: (?P<qid>\S+): from=<(?P<sender>[^>]*)>, size=(?P<size>\d+), "
    r"nrcpt=(?P<n>\d+) \(queue active\)$"
)


@pytest.fixture
def syslog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SyslogReceiver]:
    path = tmp_path / "log.sock"
    receiver = SyslogReceiver(path)
    monkeypatch.setenv("ALLOY_TUI_SYSLOG_SOCKET", str(path))
    yield receiver
    receiver.close()


def outcomes(receiver: SyslogReceiver, count: int) -> list[dict[str, str]]:
    got = receiver.lines(wait=5.0, count=count)
    for line in got:
        assert "\x1b" not in line and "\n" not in line
    return [m.groupdict() for m in map(LINE.match, got) if m]


def actives(receiver: SyslogReceiver) -> list[dict[str, str]]:
    return [m.groupdict() for m in map(ACTIVE.match, receiver.lines()) if m]


def mime(subject: str, *to: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = ACCOUNT, ", ".join(to), subject
    m.set_content("body\n")
    return m.as_bytes()


def graph_settings(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Settings:
    sb.clear_scenarios()
    copy_cache(signed_in, tmp_path)
    return settings_for(sb, tmp_path).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0, failure_notices=False
    )


def test_graph_sent_and_bounced_per_recipient(
    sb: Sandbox, signed_in: Settings, tmp_path: Path, syslog: SyslogReceiver
) -> None:
    s = graph_settings(sb, signed_in, tmp_path)
    sb.set_scenario("refuse_recipients", named=True)
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    raw = mime("maillog graph", GOOD, BAD)
    qid = box.submit(raw, recipients=[GOOD, BAD], sender=ACCOUNT, source="t")
    clock.t += 2.5
    run_queue(s, tmp_path / "config.toml", clock=clock)
    lines = outcomes(syslog, 3)
    by_rcpt = {line["to"]: line for line in lines}
    assert sorted(by_rcpt) == [GOOD, BAD] and {line["qid"] for line in lines} == {qid}
    port = urlsplit(sb.graph_endpoint).port
    sent, bounced = by_rcpt[GOOD], by_rcpt[BAD]
    assert sent["status"] == "sent" and sent["dsn"] == "2.0.0"
    assert sent["relay"] == f"graph[127.0.0.1]:{port}"
    assert re.fullmatch(r"202 Accepted request-id \S+", sent["reason"]), sent["reason"]
    assert float(sent["delay"]) >= 2.5
    assert bounced["status"] == "bounced" and bounced["dsn"].startswith("5.")
    assert "ErrorInvalidRecipients" in bounced["reason"] or "recipient" in bounced["reason"]
    [active] = actives(syslog)
    assert active == {"qid": qid, "sender": ACCOUNT, "size": str(len(raw)), "n": "2"}
    assert not box.list("pending")


def test_graph_outage_deferred(
    sb: Sandbox, signed_in: Settings, tmp_path: Path, syslog: SyslogReceiver
) -> None:
    s = graph_settings(sb, signed_in, tmp_path)
    sb.set_scenario("server_busy")
    box = Outbox(tmp_path / "queue")
    qid = box.submit(mime("maillog busy", GOOD), recipients=[GOOD], sender=ACCOUNT, source="t")
    run_queue(s, tmp_path / "config.toml")
    [line] = outcomes(syslog, 2)
    assert (line["qid"], line["to"], line["status"]) == (qid, GOOD, "deferred")
    assert line["dsn"].startswith("4.") and line["reason"]
    assert box.get(qid).state == "pending"


def test_sandbox_smtp_sent_has_the_250_reply_and_no_password(
    tmp_path: Path, syslog: SyslogReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLOG_TEST_PASSWORD", "Sandbox-Passw0rd")
    with Sandbox(workdir=tmp_path / "sb") as sb:
        s = (
            Settings(service="smtp")
            .with_section(
                "smtp",
                host=sb.smtp_host,
                port=sb.smtp_port,
                security="starttls",
                username="svc-alerts@contoso.example",
                password_env="MAILLOG_TEST_PASSWORD",
            )
            .with_section("network", ca_bundle=str(sb.ca_path), timeout=10.0)
            .with_section("queue", path=str(tmp_path / "queue"), max_per_minute=0)
            .with_section("alert_log", path=str(tmp_path / "log.jsonl"))
        )
        box = Outbox(tmp_path / "queue")
        qid = box.submit(mime("maillog smtp", GOOD), recipients=[GOOD], sender=ACCOUNT, source="t")
        run_queue(s, tmp_path / "config.toml")
        assert len(sb.messages()) == 1
        [line] = outcomes(syslog, 2)
    assert (line["qid"], line["to"], line["status"]) == (qid, GOOD, "sent")
    assert line["relay"] == f"smtp[127.0.0.1]:{sb.smtp_port}"
    assert line["reason"].startswith("250 2.0.0 Ok: queued as") and line["dsn"] == "2.0.0"
    assert all("Sandbox-Passw0rd" not in x for x in syslog.lines())


def test_smtp_250_451_550_one_line_each(tmp_path: Path, syslog: SyslogReceiver) -> None:
    ok, later, bad = "ok@contoso.test", "later@contoso.test", "bad@contoso.test"
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    hostile = "\x1b]0;owned\x07\x1b[31mcron"
    qid = box.submit(mime("nightly", ok), recipients=[ok, later, bad], sender="", source=hostile)
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {
            bad: "550 5.1.1 <bad@contoso.test>: Recipient address rejected: User unknown\x1b[2J",
            later: "451 4.2.0 <later@contoso.test>: mailbox busy, try later",
        }
        settings = smtp_settings(tmp_path, server.port, failure_notices=False)
        run_queue(settings, tmp_path / "c.toml", clock=clock)
        by_rcpt = {line["to"]: line for line in outcomes(syslog, 4)}
        assert by_rcpt[ok]["status"] == "sent" and by_rcpt[ok]["reason"].startswith("250 ")
        assert by_rcpt[ok]["relay"] == f"smtp[127.0.0.1]:{server.port}"
        assert by_rcpt[later]["status"] == "deferred" and by_rcpt[later]["dsn"].startswith("4.")
        assert "smtp.451" in by_rcpt[later]["reason"]
        assert by_rcpt[bad]["status"] == "bounced" and by_rcpt[bad]["dsn"].startswith("5.")
        assert "smtp.550" in by_rcpt[bad]["reason"]
        [active] = actives(syslog)
        assert active["qid"] == qid and active["n"] == "3" and active["sender"] == ""

        # the next attempt: later@ alone, now sent; one more (queue active) line, nrcpt=1
        server.handler.rcpt_replies = {}
        clock.t += 3600
        run_queue(settings, tmp_path / "c.toml", clock=clock)
        lines = outcomes(syslog, 6)
        assert [(x["to"], x["status"]) for x in lines[3:]] == [(later, "sent")]
        assert [a["n"] for a in actives(syslog)] == ["3", "1"]
        assert float(lines[3]["delay"]) >= 3600
    for line in syslog.lines():
        assert "\x1b" not in line and "\x07" not in line


def test_syslog_false_writes_no_line(tmp_path: Path, syslog: SyslogReceiver) -> None:
    box = Outbox(tmp_path / "queue")
    box.submit(
        mime("quiet", "ok@contoso.test"), recipients=["ok@contoso.test"], sender="", source="t"
    )
    with SmtpServer(tmp_path, "none") as server:
        settings = smtp_settings(tmp_path, server.port).with_section("log", syslog=False)
        run_queue(settings, tmp_path / "c.toml")
        assert len(server.messages) == 1
    assert syslog.lines(wait=0.5) == []


def test_a_restarted_syslog_daemon_gets_the_next_lines(tmp_path: Path) -> None:
    """The runner keeps one connected socket; when the daemon behind /dev/log restarts (a new
    socket at the same path), the next line connects again instead of being lost."""
    from alloy_tui.core.maillog import MailLog

    path = tmp_path / "dev-log"
    first = SyslogReceiver(path)
    log = MailLog(Settings(), lambda: 0.0)
    log.path = str(path)
    log.line("one")
    assert [x.endswith(": one") for x in first.lines(wait=5.0)] == [True]
    first.close()
    path.unlink()
    second = SyslogReceiver(path)
    try:
        log.line("two")
        assert [x.rsplit(": ", 1)[1] for x in second.lines(wait=5.0)] == ["two"]
    finally:
        second.close()
        log.close()


def test_an_expired_message_is_bounced_once(tmp_path: Path, syslog: SyslogReceiver) -> None:
    """Past `[queue] lifetime_hours` the message fails without another send: one bounced line
    per recipient still pending, saying why."""
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    qid = box.submit(mime("late", GOOD), recipients=[GOOD], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        settings = smtp_settings(tmp_path, server.port, failure_notices=False, lifetime_hours=1)
        clock.t += 2 * 3600
        run_queue(settings, tmp_path / "c.toml", clock=clock)
        assert server.messages == []
    [line] = outcomes(syslog, 2)
    assert (line["qid"], line["to"], line["status"]) == (qid, GOOD, "bounced")
    assert line["reason"].startswith("Not delivered within 1 hour") and line["delay"] == "7200.0"
