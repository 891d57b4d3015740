"""A cron job that prints 4.6 MB of text, through Microsoft Graph: the real `alloy-tui sendmail`
and runner against the sandbox, which answers 413 RequestEntityTooLarge for a request body over
4 MB as Graph does. With large messages the text arrives whole as output.txt, uploaded through
an upload session, under a short note; without them sendmail refuses it at once (65), naming
the limit."""

from __future__ import annotations

import email
import subprocess
from email import policy
from email.message import EmailMessage
from pathlib import Path

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from alloy_tui.sandbox.store import DeliveredMessage
from tests.helpers import cli

LINE = b"2026-12-07 01:00:00 rsync: /srv/data/file-%07d copied (4096 bytes)\n"
TEXT = b"".join(LINE % i for i in range(int(4.6 * 1024 * 1024) // len(LINE % 0)))
MAX_REQUEST = 4 * 1024 * 1024


def configure(sb: Sandbox, tmp_path: Path, *, large: bool) -> Path:
    path = tmp_path / "config.toml"
    text = config_text(sb, tmp_path).replace(
        "[exchange_online]\n", f"[exchange_online]\nlarge_messages = {str(large).lower()}\n"
    )
    write_config(path, text + '[sendmail]\nadmin = "ops@contoso.example"\n')
    assert run(path, "login").returncode == 0
    return path


def run(cfg: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    return cli.run(cfg, *args, stdin=stdin, timeout=120)  # a 4.6 MB upload session


def delivered(sb: Sandbox, cfg: Path, subject: str) -> DeliveredMessage:
    return cli.delivered(sb, subject, 90, flush=cfg)


def test_big_cron_output_arrives_as_output_txt_through_an_upload_session(
    sb: Sandbox, tmp_path: Path
) -> None:
    assert len(TEXT) > 4.5 * 1024 * 1024
    cfg = configure(sb, tmp_path, large=True)
    sb.clear_requests()
    raw = b"From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@web01> rsync\n\n" + TEXT
    r = run(cfg, "sendmail", "-FCronDaemon", "-oi", "-t", stdin=raw)
    assert r.returncode == 0, r.stderr
    m = delivered(sb, cfg, "Cron <root@web01> rsync")
    assert m.attachments == ("output.txt",) and m.to == ("ops@contoso.example",)
    msg = email.message_from_bytes(Path(m.path).read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    [att] = list(msg.iter_attachments())
    assert att.get_payload(decode=True) == TEXT
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    note = str(body.get_content())
    assert "output.txt" in note and "MB" in note and len(note) < 4000
    assert "rsync: /srv/data/file-0000000 copied" in note  # the first lines, to read at once
    graph = sb.requests("graph")
    assert all(len(req.body) <= MAX_REQUEST for req in graph)
    assert all(req.status != 413 for req in graph)
    assert any(req.path.lower().endswith("/createuploadsession") for req in graph)
    assert [req for req in graph if req.method == "PUT"]


def test_without_large_messages_sendmail_refuses_it_with_65_naming_the_limit(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = configure(sb, tmp_path, large=False)
    raw = b"From: root\nTo: root\nSubject: too big\n\n" + TEXT
    r = run(cfg, "sendmail", "-oi", "-t", stdin=raw)
    assert r.returncode == 65
    assert "3.0 MB" in r.stderr and "large_messages" in r.stderr
    assert "too big" not in run(cfg, "queue", "list").stdout
