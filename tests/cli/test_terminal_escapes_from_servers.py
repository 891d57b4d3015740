"""A hostile mail server cannot write to the admin's terminal: an SMTP reply carrying OSC 52
(clipboard), OSC 0 (window title) and CSI sequences reaches neither stderr nor the alert log,
and `alloy-tui log` shows entries an older version logged raw without their escapes. The real
program in a subprocess against a real aiosmtpd server."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.helpers.cli import run as cli_run
from tests.helpers.smtp_server import SmtpServer

HOSTILE = (
    "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07Relay \x1b]0;pwned\x07access \x1b[2J\x1b[1;1Hdenied"
    "\x1b[31m \x9b6n\x9d0;x\x9c"
)
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\\u001b", "\\u0007"]
PAYLOADS = ["Y3VybCBldmlsIHwgc2g", "pwned", "52;", "[2J", "6n"]


def clean(text: str) -> bool:
    return not any(c in text for c in FORBIDDEN) and not any(p in text for p in PAYLOADS)


XTERM = {"TERM": "xterm-256color", "NO_COLOR": os.environ.get("NO_COLOR")}


def run(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Under a real colour terminal's TERM (NO_COLOR unset): what an admin's terminal gets."""
    return cli_run(config, *args, stdin=stdin, timeout=60, env=XTERM)


def log_file() -> Path:
    return Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"


def smtp_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        '[network]\ntimeout = 5\n[message]\ndefault_from = "noc@contoso.test"\n'
    )
    return path


def test_a_hostile_smtp_reply_reaches_neither_stderr_nor_the_log(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        config = smtp_config(tmp_path, server.port)
        for where in ("rcpt", "mail"):
            server.handler.rcpt_reply = f"554 5.7.1 {HOSTILE}" if where == "rcpt" else None
            server.handler.mail_reply = f"550 5.7.1 {HOSTILE}" if where == "mail" else None
            test_send = run(config, "test-send", "--to", "ops@contoso.test")
            send = run(config, "send", "--to", "ops@contoso.test", "--subject", "x", stdin="body\n")
            for r in (test_send, send):
                assert r.returncode == 1, r.stderr
                assert "Relay" in r.stderr and "denied" in r.stderr  # the words survive
                assert clean(r.stderr + r.stdout), repr(r.stderr)
    raw = log_file().read_text(encoding="utf-8")
    assert len(raw.splitlines()) == 4 and "Relay" in raw
    assert clean(raw), raw


def test_log_shows_old_entries_without_their_escapes(tmp_path: Path) -> None:
    config = smtp_config(tmp_path, 25)
    old = {
        "ts": "2026-01-01T00:00:00.000Z",
        "level": "error",
        "event": "notification.failed",
        "message": f"Not sent: {HOSTILE}",
        "details": {"error": HOSTILE},
    }
    log_file().parent.mkdir(parents=True, exist_ok=True)
    log_file().write_text(
        json.dumps(old, ensure_ascii=False) + "\n" + f"garbage {HOSTILE}\n", encoding="utf-8"
    )
    for args in (["log"], ["log", "--json"], ["log", "--level", "error"]):
        r = run(config, *args)
        assert r.returncode == 0, r.stderr
        assert "Relay" in r.stdout and clean(r.stdout + r.stderr), repr(r.stdout)
    shown = [json.loads(line) for line in run(config, "log", "--json").stdout.splitlines()[:1]]
    assert shown[0]["event"] == "notification.failed" and "denied" in shown[0]["details"]["error"]
