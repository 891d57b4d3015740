"""Per-recipient outcomes through a real SMTP server (aiosmtpd answering 250/451/550 per
address): the accepted ones are sent once, a 4xx one stays pending and is retried alone, a 5xx
one fails; a refusal after DATA is the accepted recipients'; old records still deliver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alloy_tui.core.outbox import Outbox, run_queue
from tests.helpers.clock import FakeClock
from tests.helpers.smtp_server import SmtpServer, free_port, smtp_settings

RAW = (
    b"From: server@contoso.test\r\nTo: ok@contoso.test, ops@contoso.test, bad@contoso.test\r\n"
    b"Subject: nightly\r\nMessage-ID: <n1@web01>\r\n\r\nbody\r\n"
)
OK, OPS, BAD = "ok@contoso.test", "ops@contoso.test", "bad@contoso.test"


def entries(tmp_path: Path, event: str) -> list[dict[str, Any]]:
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]


def states(box: Outbox, qid: str) -> dict[str, str]:
    return {r.address: r.state for r in box.get(qid).recipients}


def got_by(server: SmtpServer, address: str) -> int:
    return sum(m.rcpt_tos.count(address) for m in server.messages)


def test_550_451_250_each_recipient_its_own_outcome(tmp_path: Path) -> None:
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    qid = box.submit(RAW, recipients=[OK, OPS, BAD], sender="", source="cron")
    cfg = tmp_path / "c.toml"
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {
            BAD: "550 5.1.1 <bad@contoso.test>: Recipient address rejected: User unknown",
            OPS: "451 4.2.0 <ops@contoso.test>: mailbox busy, try later",
        }
        settings = smtp_settings(tmp_path, server.port, failure_notices=False)
        summary = run_queue(settings, cfg, clock=clock)
        assert summary.deferred == 1 and summary.sent == 0 and summary.failed == 0
        assert [m.rcpt_tos for m in server.messages] == [[OK]]
        assert states(box, qid) == {OK: "sent", OPS: "pending", BAD: "failed"}
        m = box.get(qid)
        assert m.state == "pending" and m.partial
        bad = next(r for r in m.recipients if r.address == BAD)
        assert bad.last_error is not None and bad.last_error.code == "smtp.550"
        [sent] = entries(tmp_path, "mail.sent")
        assert sent["details"]["recipients"] == [OK] and sent["details"]["partial"] is True
        [failed] = entries(tmp_path, "mail.failed")
        assert failed["details"]["recipients"] == [BAD] and failed["level"] == "error"
        [deferred] = entries(tmp_path, "mail.deferred")
        assert deferred["details"]["recipients"] == [OPS]

        # a run before the back-off is over sends nothing; after it, ops@ alone
        run_queue(settings, cfg, clock=clock)
        assert len(server.messages) == 1
        server.handler.rcpt_replies = {BAD: server.handler.rcpt_replies[BAD]}
        clock.t += 61
        summary = run_queue(settings, cfg, clock=clock)
        assert [m.rcpt_tos for m in server.messages] == [[OK], [OPS]]
        assert summary.failed == 1  # nothing pending, bad@ failed: the message failed
    assert got_by(server, OK) == 1 and got_by(server, OPS) == 1 and got_by(server, BAD) == 0
    m = box.get(qid)
    assert m.state == "failed" and states(box, qid) == {OK: "sent", OPS: "sent", BAD: "failed"}
    last = entries(tmp_path, "mail.failed")[-1]
    assert last["details"]["recipients"] == [BAD]
    assert sorted(last["details"]["sent_to"]) == [OK, OPS]


def test_every_recipient_sent_removes_the_message(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OK, OPS], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        assert run_queue(smtp_settings(tmp_path, server.port), tmp_path / "c.toml").sent == 1
        assert [m.rcpt_tos for m in server.messages] == [[OK, OPS]]
    assert box.list() == [] and qid not in box.ids()
    [sent] = entries(tmp_path, "mail.sent")
    assert sent["details"]["recipients"] == [OK, OPS] and "partial" not in sent["details"]


def test_a_451_after_data_keeps_the_accepted_pending_and_a_550_at_rcpt_fails(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    box = Outbox(tmp_path / "queue", clock=clock.now)
    qid = box.submit(RAW, recipients=[OK, BAD], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {BAD}
        server.handler.data_reply = "451 4.3.0 Queue full, try later"
        settings = smtp_settings(tmp_path, server.port, failure_notices=False)
        summary = run_queue(settings, tmp_path / "c.toml", clock=clock)
        assert summary.deferred == 1
        assert states(box, qid) == {OK: "pending", BAD: "failed"}
        server.handler.data_reply = "250 2.0.0 Ok: queued as X1"
        clock.t += 3600
        run_queue(settings, tmp_path / "c.toml", clock=clock)
        # (the test server lists the refused DATA too): ok@ again, bad@ never
        assert [m.rcpt_tos for m in server.messages] == [[OK], [OK]]
    assert states(box, qid) == {OK: "sent", BAD: "failed"} and box.get(qid).state == "failed"


def test_a_554_after_data_fails_the_accepted_ones(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OK, OPS, BAD], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {OPS: "451 4.2.0 busy"}
        server.handler.data_reply = "554 5.6.0 Message content rejected"
        settings = smtp_settings(tmp_path, server.port, failure_notices=False)
        run_queue(settings, tmp_path / "c.toml")
    assert states(box, qid) == {OK: "failed", BAD: "failed", OPS: "pending"}
    assert box.get(qid).state == "pending"


def test_an_old_record_without_recipient_states_is_delivered(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OK, OPS], sender="", source="t")
    meta = box.read_meta(qid)
    assert meta is not None and "recipients" not in meta  # what older versions wrote
    assert states(box, qid) == {OK: "pending", OPS: "pending"}
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {OPS}
        run_queue(smtp_settings(tmp_path, server.port, failure_notices=False), tmp_path / "c.toml")
        assert [m.rcpt_tos for m in server.messages] == [[OK]]
    assert states(box, qid) == {OK: "sent", OPS: "failed"}


def test_retry_sends_again_only_to_the_failed_recipients(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OK, BAD], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {BAD}
        settings = smtp_settings(tmp_path, server.port, failure_notices=False)
        run_queue(settings, tmp_path / "c.toml")
        assert box.get(qid).state == "failed"
        server.handler.refuse_rcpt = set()
        box.retry(qid)
        assert states(box, qid) == {OK: "sent", BAD: "pending"}
        assert run_queue(settings, tmp_path / "c.toml").sent == 1
        assert [m.rcpt_tos for m in server.messages] == [[OK], [BAD]]
    assert box.list() == []


def test_every_recipient_refused_at_rcpt_mixed_4xx_and_5xx(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OPS, BAD], sender="", source="t")
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {OPS: "452 4.5.3 Too many recipients", BAD: "550 5.1.1 no"}
        run_queue(smtp_settings(tmp_path, server.port, failure_notices=False), tmp_path / "c.toml")
        assert server.messages == []
    assert states(box, qid) == {OPS: "pending", BAD: "failed"}
    ops = next(r for r in box.get(qid).recipients if r.address == OPS)
    assert ops.last_error is not None and "452" in ops.last_error.cause


def test_an_outage_leaves_every_recipient_pending(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = box.submit(RAW, recipients=[OK, OPS], sender="", source="t")
    run_queue(smtp_settings(tmp_path, free_port()), tmp_path / "c.toml")
    assert states(box, qid) == {OK: "pending", OPS: "pending"}
    assert all(r.last_error is not None for r in box.get(qid).recipients)


def test_queue_list_and_show_tell_each_recipient(tmp_path: Path) -> None:
    """The real program's `queue list` (partial), `--json` (recipients) and `queue show`."""
    import os
    import subprocess
    import sys

    from alloy_tui.core.config import load

    root = Path(__file__).resolve().parents[3]
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_replies = {BAD: "550 5.1.1 User unknown", OPS: "451 4.2.0 busy"}
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            'security = "none"\n[message]\ndefault_from = "server@contoso.test"\n'
            f'[queue]\npath = "{tmp_path / "queue"}"\nmax_per_minute = 0\n'
            f'failure_notices = false\n[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n'
        )
        box = Outbox(tmp_path / "queue")
        qid = box.submit(RAW, recipients=[OK, OPS, BAD], sender="", source="cron")
        run_queue(load(cfg).settings, cfg)

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "queue", *args],
            capture_output=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()

    listed = cli("list")
    assert f"{qid.split('-')[1]} partial " in listed and "1 partial." in listed
    assert "  recipients: 1 sent, 1 failed, 1 pending\n" in listed  # names: too long here
    [row] = [json.loads(line) for line in cli("list", "--json").splitlines()]
    assert row["state"] == "pending"
    assert [(r["address"], r["state"]) for r in row["recipients"]] == [
        (OK, "sent"),
        (OPS, "pending"),
        (BAD, "failed"),
    ]
    assert row["recipients"][2]["last_error"]["code"] == "smtp.550"
    assert row["recipients"][1]["last_error"]["code"] == "smtp.451"
    shown = cli("show", qid)
    assert f"Message {qid}: partial" in shown and "Recipients:" in shown
    assert f"  {OK}: sent\n" in shown and f"  {BAD}: failed (" in shown and "[smtp.550]" in shown
