"""`status --check`, `status` and `queue list` tell the truth about delivery (issue 19), the real
program against a real SMTP server (aiosmtpd) or a closed port: a held queue (since when, why),
a pending message whose last attempt failed, a recent failure, mail waiting in the maildrop."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from alloy_tui.core.outbox import Outbox
from tests.helpers.cli import run as cli_run
from tests.helpers.queue_screen import write_config as smtp_config
from tests.helpers.smtp_server import SmtpServer, free_port

PERF = re.compile(r"held_s=(\d+) maildrop=(\d+|U) maildrop_oldest_s=(\d+|U)$")


def write_config(tmp_path: Path, port: int) -> Path:
    return smtp_config(
        tmp_path,
        port,
        queue=f'maildrop = "{tmp_path / "maildrop"}"\n',
        extra="\n[alerts]\nsyslog = false\n",
    )


run = cli_run


def check(cfg: Path) -> tuple[int, str]:
    r = run(cfg, "status", "--check")
    assert r.stderr == "", r.stderr
    return r.returncode, r.stdout


def submit(tmp_path: Path, subject: str) -> str:
    raw = f"From: server@contoso.test\nTo: ops@contoso.test\nSubject: {subject}\n\nbody\n"
    box = Outbox(tmp_path / "queue")
    qid = box.submit(raw.encode(), recipients=["ops@contoso.test"], sender="", source="cron")
    time.sleep(0.01)
    return qid


def test_a_relay_refusing_connections_holds_the_queue_and_every_view_says_why(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, free_port())  # nothing listens there
    first = submit(tmp_path, "first")
    submit(tmp_path, "second")
    code, out = check(cfg)
    assert code == 0, out
    run(cfg, "queue", "run")
    hold_file = tmp_path / "queue" / "hold.json"
    hold = json.loads(hold_file.read_text())
    assert hold["verdict"] == "service" and hold["queue_id"] == first
    code, out = check(cfg)
    assert code == 1, out
    assert "the queue is held until" in out and "Connection refused" in out
    m = PERF.search(out.splitlines()[0])
    assert m and int(m.group(1)) < 60, out
    status = run(cfg, "status")
    assert status.returncode == 1
    assert "Ready to send: no, held until" in status.stdout
    assert "Connection refused" in status.stdout
    listing = run(cfg, "queue", "list").stdout
    assert listing.startswith("Queue held until") and "due now" not in listing
    assert listing.count("held until") == 3, listing  # the top line and each message
    # Held for three hours: CRITICAL.
    hold["since"] = time.time() - 3 * 3600
    hold_file.write_text(json.dumps(hold))
    code, out = check(cfg)
    assert code == 2 and out.startswith("ALLOY-TUI CRITICAL - the queue is held"), out
    alerts = json.loads((tmp_path / "queue" / "health.json").read_text())["alerts"]
    assert alerts["held"]["active"] is True  # the "held" alert is raised (once per repeat)
    # Deleting the message that held it lifts the hold at once (no SIGHUP, no runner).
    assert run(cfg, "queue", "delete", "--yes", first).returncode == 0
    assert not hold_file.exists()
    code, out = check(cfg)
    assert code == 0 and "held" not in out.split("|")[0], out
    alerts = json.loads((tmp_path / "queue" / "health.json").read_text())["alerts"]
    assert alerts["held"]["active"] is False  # ...and its recovery sent


def test_a_pending_message_whose_last_attempt_failed_warns_with_the_reason(
    tmp_path: Path,
) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.rcpt_reply = "451 4.3.0 Mailbox busy, try again later"
        cfg = write_config(tmp_path, server.port)
        submit(tmp_path, "greylisted")
        run(cfg, "queue", "run")
        code, out = check(cfg)
    assert code == 1, out
    assert "1 message(s) pending and the last attempt failed" in out
    assert "451" in out and "held" not in out.split("|")[0]
    listing = run(cfg, "queue", "list").stdout
    assert "next try " in listing and "due now" not in listing, listing


def test_a_recent_failure_warns_for_the_window_only(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        server.handler.data_reply = "554 5.6.0 Message content rejected"
        cfg = write_config(tmp_path, server.port)
        qid = submit(tmp_path, "rejected content")
        run(cfg, "queue", "run")
    code, out = check(cfg)
    assert code == 1 and "1 message(s) failed in the last 24 h" in out, out
    box = Outbox(tmp_path / "queue")
    meta = box.read_meta(qid)
    assert meta is not None and meta["state"] == "failed"
    meta["failed_at"] = time.time() - 25 * 3600
    box.write_meta(meta)
    code, out = check(cfg)
    assert code == 0, out


def test_mail_waiting_in_the_maildrop_warns_then_is_critical(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, free_port())
    drop = tmp_path / "maildrop"
    drop.mkdir()
    (drop / ".1000.abc.tmp").write_bytes(b"being written")  # not waiting yet
    waiting = drop / "1000.def"
    waiting.write_bytes(b"alloy-maildrop 1 {}\n")
    code, out = check(cfg)
    assert code == 0 and PERF.search(out.splitlines()[0]).groups()[1] == "1", out  # type: ignore[union-attr]
    old = time.time() - 10 * 60
    os.utime(waiting, (old, old))
    code, out = check(cfg)
    assert code == 1 and "1 file(s) wait in the maildrop" in out, out
    m = PERF.search(out.splitlines()[0])
    assert m and m.group(2) == "1" and 590 <= int(m.group(3)) < 700
    # A link is counted by its own age, never followed.
    (drop / "1000.ghi").symlink_to(tmp_path / "nowhere")
    older = time.time() - 40 * 60
    os.utime(drop / "1000.ghi", (older, older), follow_symlinks=False)
    code, out = check(cfg)
    assert code == 2 and "2 file(s) wait in the maildrop" in out, out


def test_an_outbox_file_this_user_cannot_read_is_critical(tmp_path: Path) -> None:
    from tests.helpers.unix_users import as_users

    with as_users("svc") as users:
        svc = users["svc"]
        home = users.workdir / "svc"
        home.mkdir(mode=0o700)
        cfg = write_config(home, free_port())
        submit(home, "readable")
        hidden = submit(home, "not readable")
        for root, dirs, files in os.walk(home):
            for name in [*dirs, *files]:
                os.chown(Path(root) / name, svc.uid, svc.gid)
        os.chown(home, svc.uid, svc.gid)
        meta = home / "queue" / "meta" / f"{hidden}.json"
        os.chown(meta, 0, 0)  # root's, 0600: the service user cannot read it
        r = users.run(
            "svc",
            ["-m", "alloy_tui", "--config", str(cfg), "status", "--check"],
            env={"HOME": str(home), "TERM": "dumb"},
        )
    out = r.stdout.decode()
    assert r.returncode == 2, (out, r.stderr.decode())
    assert "1 outbox file(s) cannot be read by this user" in out
    assert hidden in out


def test_sendmail_hand_offs_waiting_in_incoming_warn_then_are_critical(tmp_path: Path) -> None:
    """A hand-off no runner took (none started, or held): `status --check` never says OK."""
    cfg = write_config(tmp_path, free_port())
    inc = tmp_path / "queue" / "incoming"
    inc.mkdir(parents=True, mode=0o700)
    (inc / ".20200101T000000-00000000.tmp").write_bytes(b"being written")  # not waiting yet
    waiting = inc / "20200101T000000-00000001"
    waiting.write_bytes(b"alloy-handoff 1 {}\n")
    code, out = check(cfg)
    assert code == 0, out  # just handed off: the runner is on its way
    old = time.time() - 10 * 60
    os.utime(waiting, (old, old))
    code, out = check(cfg)
    assert code == 1 and "1 sendmail hand-off(s) wait in" in out, out
    older = time.time() - 40 * 60
    os.utime(waiting, (older, older))
    code, out = check(cfg)
    assert code == 2 and "1 sendmail hand-off(s) wait in" in out, out
    said = run(cfg, "status").stdout
    assert "Hand-offs: 1 from sendmail waiting in" in said and "the oldest for 40 min" in said, said
