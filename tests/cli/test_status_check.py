"""`alloy-tui status --check`, the Nagios/Icinga plugin, against a real sandbox sign-in and a
real outbox: exit 0/1/2/3, the first line `ALLOY-TUI <STATE> - ... | perfdata`, nothing heavy
imported on the OK path, alerts for what it finds (sent once, the recovery always)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import write_config
from tests.helpers.alert_receivers import SyslogReceiver
from tests.helpers.cli import run as cli_run
from tests.helpers.cli import signed_in_config, syslog_receiver  # noqa: F401 - fixture `syslog`

PERF = re.compile(
    r" \| pending=(\d+) failed=(\d+) oldest_pending_s=(\d+|U);1800;7200 last_sent_s=(\d+|U) "
    r"token_refresh_s=(\d+|U) cert_days_left=U held_s=(\d+) maildrop=(\d+|U) "
    r"maildrop_oldest_s=(\d+|U)$"
)


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path, syslog: SyslogReceiver) -> Path:
    return signed_in_config(sb, tmp_path)


run = partial(cli_run, syslog=True)


def check(cfg: Path) -> tuple[int, list[str]]:
    r = run(cfg, "status", "--check")
    assert r.stderr == ""
    return r.returncode, r.stdout.splitlines()


def queue_old(tmp_path: Path, minutes: float) -> str:
    box = Outbox(tmp_path / "queue")
    raw = b"From: a@contoso.example\nTo: ops@contoso.example\nSubject: old\n\nbody\n"
    qid = box.submit(raw, recipients=["ops@contoso.example"], sender="", source="sendmail")
    meta = box.read_meta(qid)
    assert meta is not None
    meta["queued_at"] = time.time() - minutes * 60
    box.write_meta(meta)
    return qid


def test_no_config_or_a_bad_one_is_unknown(tmp_path: Path) -> None:
    code, lines = check(tmp_path / "missing.toml")
    assert code == 3
    assert lines[0].startswith("ALLOY-TUI UNKNOWN - no config at ")
    bad = tmp_path / "bad.toml"
    write_config(bad, '[exchange_online]\napi = "imap"\n')
    code, lines = check(bad)
    assert code == 3
    assert lines[0].startswith("ALLOY-TUI UNKNOWN - the config is not valid: ")
    assert "exchange_online.api" in lines[0]


def test_ok_after_a_keepalive_and_a_send_with_perfdata(cfg: Path) -> None:
    assert run(cfg, "keepalive").returncode == 0
    sent = run(cfg, "send", "--to", "bob@example.com", "--subject", "hello")
    assert sent.returncode == 0, sent.stderr
    code, lines = check(cfg)
    assert code == 0, lines
    assert lines[0].startswith("ALLOY-TUI OK - 0 pending, 0 failed; signed in as alerts@contoso")
    m = PERF.search(lines[0])
    assert m, lines[0]
    assert m.groups()[:3] == ("0", "0", "U")
    assert int(m.group(4)) < 60 and int(m.group(5)) < 60
    assert len(lines) == 1


def test_the_ok_path_imports_nothing_heavy(cfg: Path) -> None:
    assert run(cfg, "keepalive").returncode == 0
    probe = (
        "import sys\n"
        f"sys.argv = ['alloy-tui', '--config', {str(cfg)!r}, 'status', '--check']\n"
        "from alloy_tui import launch\n"
        "try:\n    launch.main()\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = [m for m in ('msal', 'httpx', 'exchangelib', 'textual', 'click', 'tomlkit',"
        " 'dataclasses', 'ssl', 'email')"
        " if m in sys.modules]\n"
        "print(code, heavy)\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines()[-1] == "0 []", r.stdout + r.stderr


def test_pending_too_long_warns_then_is_critical_and_alerts_once(
    cfg: Path, tmp_path: Path, syslog: SyslogReceiver
) -> None:
    assert run(cfg, "keepalive").returncode == 0
    qid = queue_old(tmp_path, 40)
    code, lines = check(cfg)
    assert code == 1
    assert lines[0].startswith("ALLOY-TUI WARNING - a message has been pending for 40 min")
    assert syslog.lines(wait=0.3) == []  # a warning is not an alert
    box = Outbox(tmp_path / "queue")
    box.delete(qid)
    queue_old(tmp_path, 180)
    code, lines = check(cfg)
    assert code == 2
    assert lines[0].startswith("ALLOY-TUI CRITICAL - a message has been pending for 3 h")
    got = syslog.lines(wait=2)
    assert len(got) == 1 and got[0].startswith("<27>alloy-tui[")
    assert "Mail is not going out" in got[0]
    assert check(cfg)[0] == 2
    assert len(syslog.lines(wait=0.3, count=2)) == 1  # once per repeat_hours
    for m in box.list():
        box.delete(m.id)
    assert check(cfg)[0] == 0
    got = syslog.lines(wait=2, count=2)
    assert len(got) == 2 and "Mail is going out again" in got[1]


def test_failed_messages_warn(cfg: Path, tmp_path: Path) -> None:
    box = Outbox(tmp_path / "queue")
    qid = queue_old(tmp_path, 1)
    meta = box.read_meta(qid)
    assert meta is not None
    meta["state"] = "failed"
    box.write_meta(meta)
    code, lines = check(cfg)
    assert code == 1
    assert "1 message(s) failed in the last 24 h" in lines[0]
    assert " failed=1 " in lines[0]


def test_outbox_unreadable_or_unwritable_is_critical(cfg: Path, tmp_path: Path) -> None:
    Outbox(tmp_path / "queue").ensure()
    tmp = tmp_path / "queue" / "tmp"
    tmp.rmdir()
    tmp.write_text("not a folder")  # every write goes through tmp/
    code, lines = check(cfg)
    assert code == 2
    assert f"{tmp} is not a folder" in lines[0]  # checked before any write goes through it
    tmp.unlink()
    tmp.mkdir(mode=0o700)
    meta = tmp_path / "queue" / "meta"
    meta.rmdir()
    meta.write_text("not a folder")
    code, lines = check(cfg)
    assert code == 2
    assert f"{meta} is not a folder" in lines[0]


def test_sign_in_needed_is_critical_until_signed_in_again(
    sb: Sandbox, cfg: Path, syslog: SyslogReceiver
) -> None:
    sb.set_scenario("refresh_rejected", code=700082)
    assert run(cfg, "keepalive").returncode == 1
    code, lines = check(cfg)
    assert code == 2
    assert "sign-in needed for alerts@contoso.example" in lines[0]
    assert len(syslog.lines(wait=2)) == 1  # the keep-alive's alert; the check sends no second
    sb.clear_scenarios()
    time.sleep(0.05)
    assert run(cfg, "login").returncode == 0
    code, lines = check(cfg)
    assert code == 0, lines
    got = syslog.lines(wait=2, count=2)
    assert len(got) == 2 and "works again" in got[1]


def test_signed_out_is_critical(cfg: Path) -> None:
    Outbox(cfg.parent / "queue").ensure()  # a check alerts only into an existing outbox
    assert run(cfg, "logout").returncode == 0
    code, lines = check(cfg)
    assert code == 2
    assert "no saved sign-in" in lines[0]
    state = json.loads((cfg.parent / "queue" / "health.json").read_text())
    assert state["alerts"]["signin"]["active"] is True
