"""The runner through a real SMTP server (aiosmtpd) in-process: refused recipient fails at once
naming the address; a 4xx reply and a closed port stay pending; the bytes go out as queued."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.outbox import Outbox, run_queue
from alloy_tui.core.outbox.policy import delay
from tests.helpers.clock import FakeClock
from tests.helpers.smtp_server import SmtpServer, free_port, smtp_settings

RAW = b"From: server@contoso.test\r\nTo: ops@contoso.test\r\nSubject: s\r\n\r\nbody\r\n"


def entries(tmp_path: Path, event: str) -> list[dict[str, Any]]:
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]


def submit(tmp_path: Path, *to: str) -> str:
    return Outbox(tmp_path / "queue").submit(RAW, recipients=list(to), sender="", source="t")


def test_sent_as_queued(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        qid = submit(tmp_path, "ops@contoso.test")
        assert run_queue(smtp_settings(tmp_path, server.port), tmp_path / "c.toml").sent == 1
        [got] = server.messages
        assert got.data.replace(b"\r\n", b"\n").rstrip() == RAW.replace(b"\r\n", b"\n").rstrip()
    [sent] = entries(tmp_path, "mail.sent")
    assert sent["details"]["queue_id"] == qid and sent["details"]["api"] == "smtp"


def test_refused_recipient_fails_at_once_naming_the_address(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.refuse_rcpt = {"gone@contoso.test"}
        qid = submit(tmp_path, "gone@contoso.test")
        summary = run_queue(smtp_settings(tmp_path, server.port), tmp_path / "c.toml")
    assert summary.failed == 1 and Outbox(tmp_path / "queue").get(qid).state == "failed"
    [failed] = entries(tmp_path, "mail.failed")
    assert failed["level"] == "error" and "gone@contoso.test" in failed["details"]["cause"]


def test_4xx_reply_and_closed_port_stay_pending(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_reply = "451 4.3.0 Try again later"
        qid = submit(tmp_path, "ops@contoso.test")
        summary = run_queue(smtp_settings(tmp_path, server.port), tmp_path / "c.toml")
    assert summary.deferred == 1 and summary.pending == 1
    assert Outbox(tmp_path / "queue").get(qid).state == "pending"
    summary = run_queue(smtp_settings(tmp_path, free_port()), tmp_path / "c.toml", flush=True)
    assert summary.deferred == 1 and summary.failed == 0
    last = entries(tmp_path, "mail.deferred")[-1]
    assert last["details"]["next_attempt_at"] and last["details"]["error_code"]


def test_back_off_and_retry_after() -> None:
    def ex(**details: Any) -> Explanation:
        return Explanation("t", "c", "f", code="x", details=details, verdict="service")

    assert [delay(n, ex()) for n in (1, 2, 3, 6, 7, 20)] == [60, 120, 240, 1920, 3600, 3600]
    assert delay(1, ex(retry_after=900)) == 900
    assert delay(5, ex(retry_after=3)) == 3  # as given: a Retry-After of 3 waits 3 s, not 60
    assert delay(5, ex(retry_after="3")) == 3
    now = 1_900_000_000.0
    http_date = format_datetime(datetime.fromtimestamp(now + 42, UTC), usegmt=True)
    assert delay(1, ex(retry_after=http_date), now) == 42
    assert delay(2, ex(retry_after="garbage")) == 120  # unreadable: the back-off


def test_a_failed_message_retried_gets_a_fresh_lifetime(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = smtp_settings(tmp_path, free_port())  # nothing listens: temporary failures
    box = Outbox(tmp_path / "queue", clock=clock.now)
    qid = box.submit(RAW, recipients=["ops@contoso.test"], sender="", source="cron")
    run_queue(settings, tmp_path / "c.toml", clock=clock)
    clock.t += 121 * 3600
    assert run_queue(settings, tmp_path / "c.toml", clock=clock).failed == 1
    [failed] = entries(tmp_path, "mail.failed")
    assert "Not delivered within 120 hours" in failed["message"]
    assert failed["details"]["source"] == "cron"
    queued_at = box.get(qid).queued_at
    with SmtpServer(tmp_path, "none") as server:
        box.retry(qid)
        assert box.get(qid).state == "pending" and box.get(qid).queued_at == queued_at
        summary = run_queue(smtp_settings(tmp_path, server.port), tmp_path / "c.toml", clock=clock)
        assert summary.sent == 1 and len(server.messages) == 1
