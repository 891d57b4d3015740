"""`alloy-tui smtpd` as an admin runs it: a real process, Grafana's mail over SMTP to the
listener, into the outbox and out through the detached runner to an upstream SMTP server;
SIGTERM stops it cleanly; a listen it refuses is one clear error, never a traceback."""

from __future__ import annotations

import os
import signal
import smtplib
import stat
import subprocess
import sys
from pathlib import Path

from alloy_tui.core.outbox import Outbox
from tests.helpers.smtp_server import SmtpServer, free_port
from tests.helpers.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = (
    b"From: Grafana <grafana@grafana.local>\r\nTo: root\r\nSubject: [FIRING:1] DiskFull\r\n"
    b"\r\n/var is 97% full.\r\n"
)


def write_config(folder: Path, upstream_port: int, smtpd: str = "") -> Path:
    config = folder / "config.toml"
    config.write_text(
        'service = "smtp"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {upstream_port}\nsecurity = "none"\n'
        '[message]\ndefault_from = "server@contoso.test"\n'
        f'[queue]\npath = "{folder / "queue"}"\nmax_per_minute = 0\n'
        f'[alert_log]\npath = "{folder / "alert_log.jsonl"}"\n'
        '[sendmail]\nadmin = "ops@contoso.test"\n'
        f"[smtpd]\n{smtpd}\n"
    )
    return config


def alloy(config: Path, *args: str, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alloy_tui", "--config", str(config), *args],
        stdin=kw.get("stdin", subprocess.DEVNULL),  # type: ignore[arg-type]
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


wait_for = eventually


def test_grafana_mail_goes_through_the_listener_to_the_upstream_server(tmp_path: Path) -> None:
    port = free_port()
    with SmtpServer(tmp_path, "none") as upstream:
        config = write_config(tmp_path, upstream.port)
        proc = alloy(config, "smtpd", "--listen", f"127.0.0.1:{port}")
        try:
            assert proc.stdout is not None
            ready = proc.stdout.readline()
            assert f"listening on 127.0.0.1:{port}" in ready, proc.stderr and proc.stderr.read()
            with smtplib.SMTP("127.0.0.1", port) as grafana:
                grafana.ehlo()
                grafana.mail("grafana@grafana.local")
                grafana.rcpt("root")
                code, text = grafana.data(GRAFANA)
            assert code == 250 and b"queued as" in text
            # Run on its own, the listener started a runner: the mail reached the upstream.
            assert wait_for(lambda: len(upstream.messages) == 1)
            got = upstream.messages[0]
            assert got.rcpt_tos == ["ops@contoso.test"]
            assert b"/var is 97% full." in got.data
            assert wait_for(lambda: Outbox(tmp_path / "queue").ids() == [])
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in out and "Traceback" not in err


def test_a_non_loopback_listen_is_one_clear_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9)
    proc = alloy(config, "smtpd", "--listen", "0.0.0.0:2525")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.startswith("alloy-tui: The listener only listens on loopback")
    assert "  Why: " in err and "  Fix: " in err and "Traceback" not in err


def test_a_wrong_smtpd_setting_names_its_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9, 'listen = "2525"\nusers = ["bad name"]')
    proc = alloy(config, "smtpd")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "smtpd.listen must be host:port" in err
    assert "smtpd.users must be a list of" in err
    assert "Traceback" not in err


def test_smtpd_password_stores_a_line_from_stdin_in_the_secrets_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, 9, 'users = ["grafana"]')
    state = Path(os.environ["ALLOY_TUI_STATE_DIR"])
    proc = alloy(config, "smtpd", "password", "grafana", stdin=subprocess.PIPE)
    out, err = proc.communicate("s3cret-pass\n", timeout=60)
    assert proc.returncode == 0, err
    assert "s3cret-pass" not in out + err
    secrets_file = state / "secrets.toml"
    assert "s3cret-pass" in secrets_file.read_text()
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert "s3cret-pass" not in config.read_text()


def test_queue_daemon_runs_the_listener_when_smtpd_listen_is_set(tmp_path: Path) -> None:
    port = free_port()
    with SmtpServer(tmp_path, "none") as upstream:
        config = write_config(tmp_path, upstream.port, f'listen = "127.0.0.1:{port}"')
        proc = alloy(config, "queue", "run", "--daemon")
        try:
            assert wait_for(lambda: _accepts(port), 30)
            with smtplib.SMTP("127.0.0.1", port) as zabbix:
                assert zabbix.sendmail("zabbix@zabbix.local", ["root"], GRAFANA) == {}
            assert wait_for(lambda: len(upstream.messages) == 1)  # the daemon's runner sent it
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert not _accepts(port)  # the listener stopped with the daemon


def _accepts(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as c:
            return c.noop()[0] == 250
    except OSError:
        return False
