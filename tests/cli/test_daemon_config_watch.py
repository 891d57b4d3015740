"""The daemon takes a config saved anew without a SIGHUP (core/config_watch.py): a wrong
password fixed in the config is used within seconds; a config that doesn't load mid-edit is
said once and the daemon goes on. A real daemon process, a real aiosmtpd with AUTH."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from alloy_tui.core.outbox import Outbox
from tests.helpers.cli import CLI, ROOT
from tests.helpers.smtp_server import SmtpServer


def write(cfg: Path, tmp_path: Path, port: int | str, password: str) -> None:
    """Replaced as an editor or the wizard's save does it: a new file renamed over the old."""
    new = cfg.with_suffix(".new")
    new.write_text(
        'service = "smtp"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        f'username = "u"\npassword_command = "echo {password}"\n'
        '[message]\ndefault_from = "server@contoso.test"\n'
        f'[queue]\npath = "{tmp_path / "queue"}"\nmax_per_minute = 0\n'
        f'[alert_log]\npath = "{tmp_path / "alert_log.jsonl"}"\n',
        encoding="utf-8",
    )
    os.replace(new, cfg)


def events(tmp_path: Path) -> list[str]:
    log = tmp_path / "alert_log.jsonl"
    if not log.exists():
        return []
    return [json.loads(x)["event"] for x in log.read_text().splitlines() if x.strip()]


def until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_fixed_password_saved_in_the_config_is_used_without_a_restart(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, users={"u": "right-password"}, auth_required=True) as srv:
        cfg = tmp_path / "config.toml"
        write(cfg, tmp_path, srv.port, "wrong-password")
        Outbox(tmp_path / "queue").submit(
            b"To: ops@contoso.test\nSubject: after the fix\n\nbody\n",
            recipients=["ops@contoso.test"],
            sender="",
            source="test",
        )
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ALLOY_TUI_STATE_DIR": str(tmp_path / "state"),
            "ALLOY_TUI_SYSLOG_SOCKET": str(tmp_path / "none.sock"),
        }
        daemon = subprocess.Popen(
            [*CLI, "--config", str(cfg), "queue", "run", "--daemon"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            assert until(lambda: srv.attempts, 30), "the daemon never tried"
            assert srv.messages == []  # the wrong password: refused
            write(cfg, tmp_path, '"not a port"', "right-password")  # a typo mid-edit
            assert until(lambda: "daemon.config_unusable" in events(tmp_path), 20)
            assert daemon.poll() is None  # it goes on with what it has
            assert srv.messages == []
            write(cfg, tmp_path, srv.port, "right-password")
            assert until(lambda: len(srv.messages) == 1, 40), events(tmp_path)
            assert daemon.poll() is None  # started again in the same process, still serving
            assert events(tmp_path).count("daemon.config_unusable") == 1
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                _, err = daemon.communicate(timeout=30)
            finally:
                if daemon.poll() is None:
                    daemon.kill()
        assert daemon.returncode == 0, err
        assert b"Traceback" not in err
