"""Issue 20, item 9: an outbox (or alert log, state folder) that is read-only, missing or not a
folder gives one line and an exit code, never a traceback; the daemon exits 78, which the unit
lists in RestartPreventExitStatus (no restart loop); `config validate` says what is wrong."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from tests.helpers.tmpfs import small_tmpfs
from tests.helpers.unusable_places import cli, write_config

MESSAGE = b"To: ops@contoso.example\nSubject: disk full\n\n91%\n"


def queued_id(cfg: Path, queue: Path) -> str:
    r = cli(cfg, "sendmail", "-i", "ops@contoso.example", stdin=MESSAGE)
    assert r.returncode == 0, r.stderr
    deadline = time.monotonic() + 30  # issue 23: the runner sendmail started queues it
    while not (queue / "meta").exists() or not os.listdir(queue / "meta"):
        assert time.monotonic() < deadline, os.listdir(queue)
        time.sleep(0.05)
    [name] = os.listdir(queue / "meta")
    while Outbox(queue).runner_active():  # and has let go of the outbox (a remount follows)
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return name.removesuffix(".json")


def test_every_command_on_a_read_only_outbox_is_one_line(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "queue", "1m") as queue:
        cfg = write_config(tmp_path, str(queue))
        qid = queued_id(cfg, queue)
        subprocess.run(["mount", "-o", "remount,ro", str(queue)], check=True)
        expected = {
            ("queue", "run"): 1,
            ("queue", "flush"): 1,
            ("queue", "retry", qid): 1,
            ("queue", "delete", qid, "--yes"): 1,
            ("queue", "retry", "--failed"): 1,
            ("queue", "run", "--daemon"): 78,
        }
        for args, code in expected.items():
            r = cli(cfg, *args)
            assert "Traceback" not in r.stderr, (args, r.stderr)
            assert r.returncode == code, (args, r.returncode, r.stderr)
            assert r.stderr.splitlines() == [
                f"alloy-tui: the outbox {queue} is read-only (its file system is mounted "
                "read-only). Fix: make it a folder this user can write, or set [queue] path."
            ], args
        listed = cli(cfg, "queue", "list")  # reading still works
        assert listed.returncode == 0 and qid.split("-")[1] in listed.stdout, listed.stderr
        check = cli(cfg, "status", "--check")
        assert check.returncode == 2 and "CRITICAL" in check.stdout and not check.stderr
        sent = cli(cfg, "sendmail", "-i", "ops@contoso.example", stdin=MESSAGE)
        assert sent.returncode == 73 and "Traceback" not in sent.stderr, sent.stderr
        assert len(sent.stderr.splitlines()) == 1
        valid = cli(cfg, "config", "validate")
        assert valid.returncode == 2 and "queue.path: the outbox" in valid.stderr


def a_file(tmp_path: Path) -> Path:
    """Stands for [queue] path = "/etc/passwd" (a file nothing may chmod or write through)."""
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    path.chmod(0o644)
    return path


@pytest.mark.parametrize(
    "args",
    [("queue", "list"), ("queue", "run"), ("queue", "flush"), ("queue", "retry", "--failed")],
)
def test_an_outbox_that_is_a_file_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    passwd = a_file(tmp_path)
    cfg = write_config(tmp_path, str(passwd))
    r = cli(cfg, *args)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr == (
        f"alloy-tui: the outbox {passwd} is not a folder (it is a file). Fix: make it a "
        "folder this user can write, or set [queue] path.\n"
    )
    sent = cli(cfg, "sendmail", "-i", "ops@contoso.example", stdin=MESSAGE)
    assert sent.returncode == 73 and "Traceback" not in sent.stderr
    assert os.stat(passwd).st_mode & 0o7777 == 0o644  # never chmod-ed as if it were the outbox


def test_config_validate_checks_the_places(tmp_path: Path) -> None:
    passwd = a_file(tmp_path)
    cfg = write_config(tmp_path, str(passwd), alert_log=str(tmp_path))
    r = cli(cfg, "config", "validate")
    assert r.returncode == 2 and "OK" not in r.stdout
    lines = r.stderr.splitlines()
    assert f"{cfg}:7: queue.path: the outbox {passwd} is not a folder (it is a file)" in lines[0]
    assert lines[1].startswith(f"{cfg}:9: alert_log.path: the alert log {tmp_path} is not a "
                               "regular file (it is a folder)")  # fmt: skip
    under_a_file = write_config(tmp_path, f"{passwd}/queue")
    r = cli(under_a_file, "config", "validate")
    assert f"can't be created: {passwd} is not a folder (it is a file)" in r.stderr
    fine = write_config(tmp_path, str(tmp_path / "not-yet" / "queue"))
    r = cli(fine, "config", "validate")
    assert r.returncode == 0 and r.stdout == "OK\n", r.stderr  # can become a folder: fine


def test_the_daemon_with_a_read_only_state_folder_exits_78(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    with small_tmpfs(tmp_path / "state", ro=True):
        r = cli(cfg, "queue", "run", "--daemon")
    assert r.returncode == 78 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"alloy-tui: the state folder {tmp_path / 'state'} is read-only")


def test_an_alert_log_that_cannot_be_written_is_a_warning_and_mail_still_goes(
    tmp_path: Path,
) -> None:
    """A log must never hold mail hostage: `queue run` warns, delivers and exits 0."""
    from tests.helpers.smtp_server import SmtpServer

    with SmtpServer(tmp_path, "none") as server:
        cfg = write_config(tmp_path, str(tmp_path / "queue"), alert_log=str(tmp_path))
        cfg.write_text(cfg.read_text().replace("port = 9", f"port = {server.port}"))
        queued_id(cfg, tmp_path / "queue")
        r = cli(cfg, "queue", "run")
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert f"alloy-tui: warning: the alert log {tmp_path} is not a regular file" in r.stderr
        deadline = time.monotonic() + 15  # this run or sendmail's detached runner sent it
        while not server.handler.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(server.handler.messages) == 1


def test_config_validate_says_a_maildrop_that_is_not_a_folder(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    passwd = a_file(tmp_path)
    cfg.write_text(cfg.read_text().replace("[queue]\n", f'[queue]\nmaildrop = "{passwd}"\n'))
    r = cli(cfg, "config", "validate")
    assert r.returncode == 2
    assert f"queue.maildrop: the maildrop {passwd} is not a folder (it is a file)" in r.stderr


def test_status_check_warns_when_the_alert_log_cannot_be_written(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, str(tmp_path / "queue"), alert_log=str(tmp_path))
    r = cli(cfg, "status", "--check")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert f"the alert log {tmp_path} is not a regular file (it is a folder)" in r.stdout
