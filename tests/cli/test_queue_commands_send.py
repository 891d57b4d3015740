"""`send --attach FILE` (sent now, as MIME) and `send --queue` (durable, then delivered by the
detached runner), against a real sandbox with real msal/httpx over HTTPS; and `queue flush`."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import time
from email import policy
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.outbox import Outbox
from alloy_tui.sandbox import Sandbox
from tests.helpers.cli import CLI, run, signed_in_config
from tests.helpers.cli import delivered as wait_for
from tests.helpers.m365 import ACCOUNT


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path) -> Path:
    return signed_in_config(sb, tmp_path, '[sendmail]\nadmin = "ops@contoso.example"\n')


def send(cfg: Path, subject: str, *options: str, stdin: bytes = b"") -> Any:
    """`alloy-tui send [options] --to bob@example.com --subject <subject>`."""
    return run(cfg, "send", *options, "--to", "bob@example.com", "--subject", subject, stdin=stdin)


def test_send_attach_sends_mime_with_the_files(sb: Sandbox, cfg: Path, tmp_path: Path) -> None:
    csv = tmp_path / "report.csv"
    csv.write_text("host,used\nweb01,95%\n")
    blob = tmp_path / "dump.bin"
    blob.write_bytes(bytes(range(256)) * 40)
    r = send(cfg, "Report", "--attach", str(csv), "--attach", str(blob), stdin=b"see attached\n")
    assert r.returncode == 0, r.stderr
    assert "Message has been sent to bob@example.com via Microsoft Graph" in r.stdout
    m = wait_for(sb, "Report", timeout=1)
    assert m.mime and m.attachments == ("report.csv", "dump.bin")  # type: ignore[attr-defined]
    parsed = email.message_from_bytes(Path(m.path).read_bytes(), policy=policy.default)  # type: ignore[attr-defined]
    files = {p.get_filename(): p.get_content() for p in parsed.iter_attachments()}
    assert files["dump.bin"] == bytes(range(256)) * 40
    assert files["report.csv"].replace("\r\n", "\n") == "host,used\nweb01,95%\n"
    events = [
        json.loads(x)["event"] for x in (cfg.parent / "alert_log.jsonl").read_text().splitlines()
    ]
    assert events[-1] == "notification.sent"


def test_send_attach_missing_file_is_exit_2_before_sign_in(
    sb: Sandbox, cfg: Path, tmp_path: Path
) -> None:
    sb.clear_requests()
    r = send(cfg, "x", "--attach", str(tmp_path / "nope.txt"))
    assert (
        r.returncode == 2 and "nope.txt does not exist" in r.stderr and "Traceback" not in r.stderr
    )
    assert sb.requests("graph") == []


def test_send_queue_is_durable_then_delivered_by_the_runner(sb: Sandbox, cfg: Path) -> None:
    r = send(cfg, "Queued disk alert", "--queue", stdin=b"95% on /var\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Queued ") and "queue list" in r.stdout
    m = wait_for(sb, "Queued disk alert")
    assert "95% on /var" in m.body  # type: ignore[attr-defined]
    box = Outbox(cfg.parent / "queue")
    deadline = time.monotonic() + 30
    while box.list() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert box.list() == []
    events = [
        json.loads(x)["event"] for x in (cfg.parent / "alert_log.jsonl").read_text().splitlines()
    ]
    assert "mail.queued" in events and "mail.sent" in events


def submit(cfg: Path, subject: str) -> str:
    raw = f"From: {ACCOUNT}\nTo: bob@example.com\nSubject: {subject}\n\nbody\n".encode()
    return Outbox(cfg.parent / "queue").submit(
        raw, recipients=["bob@example.com"], sender=ACCOUNT, source="test"
    )


def test_flush_sends_everything_pending_with_progress(sb: Sandbox, cfg: Path) -> None:
    ids = [submit(cfg, f"flush {i}") for i in range(3)]
    r = run(cfg, "queue", "flush")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Sent 3, deferred 0, failed 0; 0 still pending." in r.stdout
    for qid in ids:  # one progress line per message
        assert f"Queued mail {qid} sent to bob@example.com" in r.stdout
    for i in range(3):
        wait_for(sb, f"flush {i}", timeout=1)


def test_flush_exit_1_while_something_stays_pending(sb: Sandbox, cfg: Path) -> None:
    submit(cfg, "during an outage")
    sb.set_scenario("server_busy", count=100, retry_after=1)
    try:
        r = run(cfg, "queue", "flush")
    finally:
        sb.clear_scenarios()
    assert r.returncode == 1
    assert "1 still pending" in r.stdout and "queue list" in r.stdout
    # A Retry-After of 1 s is waited out (three times), then the pass stops and says why.
    assert r.stdout.count("waiting 1 s as the service asked") == 3
    assert "Stopped: nothing else can go now; the queue is held until" in r.stdout


def test_run_daemon_keeps_draining_and_stops_on_sigterm(sb: Sandbox, cfg: Path) -> None:
    env = {**os.environ, "TERM": "dumb"}
    proc = subprocess.Popen(
        [*CLI, "--config", str(cfg), "queue", "run", "--daemon"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        time.sleep(1.0)
        submit(cfg, "to the daemon")
        wait_for(sb, "to the daemon", timeout=60)
        assert proc.poll() is None  # still running after the message
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert b"Sent 1" in out and b"Traceback" not in err
