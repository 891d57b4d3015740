"""Failure notices through a real SMTP server (aiosmtpd): one notice to the envelope sender when
recipients fail for good, with a null sender and Auto-Submitted: auto-replied; never a notice
about a notice; cron mail's notice (sent through the real sendmail) reaches [sendmail] admin;
at most one per message; none when [queue] failure_notices = false; a lifetime that ran out."""

from __future__ import annotations

import email
import email.policy
import json
import time
from pathlib import Path
from typing import Any

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.outbox import Outbox, run_queue
from tests.helpers.clock import FakeClock
from tests.helpers.sendmail_door import sendmail, write_config
from tests.helpers.smtp_server import Received, SmtpServer, free_port, smtp_settings

OK, BAD = "ok@contoso.test", "bad@contoso.test"
ALICE = "alice@contoso.test"


def raw(subject: str, *to: str, extra: str = "") -> bytes:
    return (
        f"From: {ALICE}\r\nTo: {', '.join(to)}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@web01>\r\n{extra}\r\nbody\r\n"
    ).encode()


def settings_for(tmp_path: Path, port: int, **queue: Any) -> Settings:
    return smtp_settings(tmp_path, port, **queue).with_section(
        "sendmail", admin="admin@contoso.test"
    )


def entries(log: Path, event: str) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == event]


def notices(server: SmtpServer) -> list[Received]:
    return [m for m in server.messages if b"Undelivered mail:" in m.data]


def parsed(m: Received) -> Any:
    return email.message_from_bytes(m.data, policy=email.policy.default)


def test_a_refused_recipient_gets_its_sender_one_notice(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(
        raw("Disk full", OK, BAD, extra="Bcc: secret@contoso.test,\r\n hidden@contoso.test\r\n"),
        recipients=[OK, BAD],
        sender="",
        source="t",
        return_path=ALICE,
    )
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {BAD: "550 5.1.1 <bad@contoso.test>: User unknown"}
        run_queue(settings_for(tmp_path, server.port), tmp_path / "c.toml")
        [original, notice] = server.messages
    assert original.rcpt_tos == [OK]
    assert notice.mail_from == "<>" and notice.rcpt_tos == [ALICE]  # MAIL FROM:<>
    msg = parsed(notice)
    assert msg["Subject"] == "Undelivered mail: Disk full"
    assert msg["Auto-Submitted"] == "auto-replied" and msg["To"] == ALICE
    text = msg.get_body().get_content()
    assert "bad@contoso.test" in text and "550 5.1.1" in text and "Fix:" in text
    assert "Delivered to: ok@contoso.test" in text
    assert "Message-ID: <Disk-full@web01>" in text and "Subject: Disk full" in text
    assert "secret@" not in text and "hidden@" not in text  # the original's Bcc stays hidden
    meta = box.read_meta(qid)
    assert meta is not None and meta["notice"] not in ("due", "none")
    [bounced] = entries(tmp_path / "log.jsonl", "mail.bounced")
    assert bounced["details"]["recipients"] == [BAD] and bounced["details"]["notice_to"] == [ALICE]
    assert box.list() == [box.get(qid)]  # the notice went; the failed original stays listed


def test_never_a_notice_about_a_notice(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    null = box.submit(raw("n1", BAD), recipients=[BAD], sender="", source="t", return_path="<>")
    auto = box.submit(
        raw("n2", BAD, extra="Auto-Submitted: auto-replied\r\n"),
        recipients=[BAD],
        sender="",
        source="t",
        return_path=ALICE,
    )
    # a message whose sender is refused too: its notice fails, and nothing follows it
    loop = box.submit(raw("n3", BAD), recipients=[BAD], sender="", source="t", return_path=BAD)
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {BAD}
        run_queue(settings_for(tmp_path, server.port), tmp_path / "c.toml")
        assert server.messages == []
    metas = {m.id: m for m in box.list()}
    assert {metas[q].state for q in (null, auto, loop)} == {"failed"}
    notices_queued = [m for m in box.list() if m.source == "failure notice"]
    assert [m.to for m in notices_queued] == [(BAD,)] and notices_queued[0].state == "failed"
    assert len(entries(tmp_path / "log.jsonl", "mail.bounced")) == 1
    assert len(box.list()) == 4  # three originals and the one failed notice


def test_cron_mail_through_sendmail_gets_its_notice_to_the_admin(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {BAD}
        service = (
            'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\n'
            f'port = {server.port}\nsecurity = "none"\n'
            '[message]\ndefault_from = "server@contoso.test"\n'
        )
        write_config(tmp_path, service=service)
        cron = (
            b"From: root (Cron Daemon)\nTo: bad@contoso.test\nSubject: Cron <root@web01> backup\n"
            b"Auto-Submitted: auto-generated\nX-Cron-Env: <SHELL=/bin/sh>\n\nbackup done\n"
        )
        # what cronie runs (as root here): sendmail -FCronDaemon -i -B8BITMIME -oem bad@...
        done = sendmail(tmp_path, "-FCronDaemon", "-i", "-oem", BAD, stdin=cron)
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 60
        while not notices(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        [notice] = notices(server)
    assert notice.rcpt_tos == ["ops@contoso.com"]  # root, mapped as sendmail maps it
    assert notice.mail_from == "<>"
    msg = parsed(notice)
    assert msg["Subject"] == "Undelivered mail: Cron <root@web01> backup"
    assert "Auto-Submitted: auto-generated" in msg.get_body().get_content()


def test_at_most_one_notice_and_none_when_turned_off(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(raw("once", BAD), recipients=[BAD], sender="", source="t", return_path=ALICE)
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {BAD}
        settings = settings_for(tmp_path, server.port)
        run_queue(settings, tmp_path / "c.toml")
        box.retry(qid)
        run_queue(settings, tmp_path / "c.toml")  # fails again: no second notice
        assert len(notices(server)) == 1
        off = settings.with_section(
            "queue", path=str(tmp_path / "queue"), max_per_minute=0, failure_notices=False
        )
        other = box.submit(
            raw("quiet", BAD), recipients=[BAD], sender="", source="t", return_path=ALICE
        )
        run_queue(off, tmp_path / "c.toml")
        assert len(notices(server)) == 1 and box.get(other).state == "failed"
    assert "notice" not in (box.read_meta(other) or {})


def test_a_lifetime_that_ran_out_sends_the_notice(tmp_path: Path) -> None:
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    box.submit(raw("late", OK), recipients=[OK], sender="", source="t", return_path="root")
    run_queue(settings_for(tmp_path, free_port()), tmp_path / "c.toml", clock=clock)
    clock.t += 121 * 3600
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {OK}  # the original can't go now either; the admin's can
        settings = settings_for(tmp_path, server.port)
        run_queue(settings, tmp_path / "c.toml", clock=clock)
        [notice] = notices(server)
    assert notice.rcpt_tos == ["admin@contoso.test"]  # root -> [sendmail] admin
    assert "Not delivered within 120 hours" in parsed(notice).get_body().get_content()


def test_a_notice_owed_by_a_killed_runner_is_queued_by_the_next(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(raw("owed", BAD), recipients=[BAD], sender="", source="t", return_path=ALICE)
    meta = box.read_meta(qid)
    assert meta is not None
    # what a runner killed between writing the failure and queueing the notice leaves
    meta.update(state="failed", notice="due")
    meta["recipients"] = [{"address": BAD, "state": "failed", "last_error": None}]
    box.write_meta(meta)
    with SmtpServer(tmp_path, "none") as server:
        run_queue(settings_for(tmp_path, server.port), tmp_path / "c.toml")
        assert [m.rcpt_tos for m in notices(server)] == [[ALICE]]


def test_through_the_listener_a_250_is_never_silent_loss(tmp_path: Path) -> None:
    """The listener said 250 for three recipients; the relay then refuses one: the good ones
    get the message once, and the client's MAIL FROM gets the notice naming the refused one."""
    import smtplib

    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.smtpd import start_listener

    with SmtpServer(tmp_path, "none") as relay:
        relay.handler.refuse_rcpt = {BAD}
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\n'
            'security = "none"\n[message]\ndefault_from = "server@contoso.test"\n'
            f'[queue]\npath = "{tmp_path / "queue"}"\nmax_per_minute = 0\n'
            f'[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n'
            '[sendmail]\nadmin = "admin@contoso.test"\n'
        )
        settings = load_or_default(cfg).settings
        box = Outbox(tmp_path / "queue")
        listener = start_listener(settings, cfg, "127.0.0.1:0", outbox=box)
        try:
            with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
                refused = client.sendmail(
                    "grafana@contoso.test",
                    [OK, BAD, "ok2@contoso.test"],
                    raw("CPU high", OK, BAD, "ok2@contoso.test"),
                )
                assert refused == {}  # 250 for every recipient, and for the message
        finally:
            listener.stop()
        run_queue(settings, cfg)
        [original, notice] = relay.messages
    assert original.rcpt_tos == [OK, "ok2@contoso.test"]
    assert notice.rcpt_tos == ["grafana@contoso.test"] and notice.mail_from == "<>"
    text = parsed(notice).get_body().get_content()
    assert BAD in text and "Delivered to: ok@contoso.test, ok2@contoso.test" in text
