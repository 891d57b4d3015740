"""Issue 20 (gaps 1, 2 and 4): a maildrop the runner is meant to read that is not a folder it
may read (a file, a symlink, another user's folder, a folder anyone may write without the
sticky bit) is one clear error in the alert log, said once, never read; `status --check` is
CRITICAL and `config validate` says it. Folders above the outbox or the maildrop that others
may write or own are refused the same way. A read-only state folder makes `status --check`
CRITICAL and `status` not ready; the daemon on a read-only outbox and state folder exits 78
(listed in RestartPreventExitStatus) with one line per problem, no traceback."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.maildrop import Envelope, MaildropIntake, drop
from alloy_tui.core.outbox import Outbox
from tests.helpers.tmpfs import small_tmpfs
from tests.helpers.unusable_places import cli, write_config

NOBODY = pwd.getpwnam("nobody").pw_uid
RAW = b"To: ops@contoso.example\nSubject: nightly\n\nok\n"


class Log:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def __call__(self, level: str, event: str, message: str, details: dict[str, Any]) -> None:
        self.entries.append((level, event, message, details))


def real_folder_with_mail(where: Path) -> Path:
    where.mkdir()
    where.chmod(0o3733)
    drop(where, RAW, Envelope(("ops@contoso.example",)))
    return where


def make(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A maildrop path of the given wrong kind, and what the error must say."""
    path = tmp_path / "maildrop"
    if kind == "file":
        path.write_bytes(b"not a folder")
        return path, "is not a folder (it is a file)"
    if kind == "symlink":
        path.symlink_to(real_folder_with_mail(tmp_path / "elsewhere"))
        return path, "is a symbolic link"
    real_folder_with_mail(path)
    if kind == "another user's":
        os.chown(path, NOBODY, NOBODY)
        return path, f"is owned by uid {NOBODY} (nobody)"
    if kind == "open to all":
        path.chmod(0o0777)
        return path, "is writable by everyone without the sticky bit (mode 0777)"
    opened = tmp_path / "open"  # "under an open folder": the maildrop is fine, its parent not
    opened.mkdir()
    opened.chmod(0o777)
    inner = real_folder_with_mail(opened / "maildrop")
    return inner, f"lies under {opened}, writable by everyone (mode 0777)"


KINDS = ["file", "symlink", "another user's", "open to all", "under an open folder"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unusable_maildrop_is_one_error_said_once_and_never_read(
    kind: str, tmp_path: Path
) -> None:
    path, said = make(kind, tmp_path)
    before = sorted(p.name for p in (path.resolve()).iterdir()) if path.resolve().is_dir() else []
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    cfg.write_text(cfg.read_text().replace("[queue]\n", f'[queue]\nmaildrop = "{path}"\n'))
    from alloy_tui.core.config import load

    settings = load(cfg).settings
    log = Log()
    watch = MaildropIntake(settings, cfg, Outbox(tmp_path / "queue", log=log))
    for _ in range(3):  # three wakes of the daemon: said once
        assert watch.take(if_changed=True).taken == 0
    errors = [e for e in log.entries if e[1] == "maildrop.unusable"]
    assert len(errors) == 1 and errors[0][0] == "error", log.entries
    assert said in errors[0][2] and ("setup-system" in errors[0][2] or "chmod" in errors[0][2])
    if before:  # nothing was taken from (or removed in) the folder behind it
        assert sorted(p.name for p in path.resolve().iterdir()) == before
    assert not (tmp_path / "queue" / "meta").exists() or not os.listdir(tmp_path / "queue" / "meta")

    r = cli(cfg, "status", "--check")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert r.stdout.startswith("ALLOY-TUI CRITICAL - ") and said in r.stdout, r.stdout
    r = cli(cfg, "config", "validate")
    assert r.returncode == 2 and said in r.stderr, r.stdout + r.stderr


def test_a_fixed_maildrop_is_taken_in_again(tmp_path: Path) -> None:
    path = real_folder_with_mail(tmp_path / "maildrop")
    path.chmod(0o777)
    from alloy_tui.core.config import Settings

    s = Settings().with_section("message", default_from="alerts@contoso.example")
    s = s.with_section("queue", maildrop=str(path))
    log = Log()
    box = Outbox(tmp_path / "queue", log=log)
    watch = MaildropIntake(s, tmp_path / "config.toml", box)
    assert watch.take().taken == 0
    path.chmod(0o3733)
    assert watch.take(if_changed=True).taken == 1 and len(box.list()) == 1


def test_the_runner_started_on_an_unusable_maildrop_logs_it_in_the_alert_log(
    tmp_path: Path,
) -> None:
    path, said = make("symlink", tmp_path)
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    cfg.write_text(cfg.read_text().replace("[queue]\n", f'[queue]\nmaildrop = "{path}"\n'))
    r = cli(cfg, "queue", "run")
    assert "Traceback" not in r.stderr, r.stderr
    entries = [json.loads(x) for x in (tmp_path / "log" / "alert.jsonl").read_text().splitlines()]
    unusable = [e for e in entries if e.get("event") == "maildrop.unusable"]
    assert len(unusable) == 1 and said in json.dumps(unusable[0]), entries
    assert len(os.listdir(tmp_path / "elsewhere")) == 1  # the mail behind the link stays


@pytest.mark.parametrize("above", ["open to all", "another user's"])
def test_an_outbox_under_a_folder_others_control_is_refused(above: str, tmp_path: Path) -> None:
    parent = tmp_path / "spool"
    parent.mkdir()
    if above == "open to all":
        parent.chmod(0o777)
        said = f"lies under {parent}, writable by everyone (mode 0777)"
    else:
        os.chown(parent, NOBODY, NOBODY)
        said = f"lies under {parent}, owned by uid {NOBODY} (nobody)"
    cfg = write_config(tmp_path, str(parent / "queue"))
    r = cli(cfg, "queue", "run")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"alloy-tui: the outbox {parent / 'queue'} {said}"), r.stderr
    assert not (parent / "queue").exists()  # nothing was made under it
    r = cli(cfg, "queue", "run", "--daemon")
    assert r.returncode == 78 and said in r.stderr and "Traceback" not in r.stderr
    r = cli(cfg, "status", "--check")
    assert r.returncode == 2 and said in r.stdout, r.stdout
    r = cli(cfg, "config", "validate")
    assert r.returncode == 2 and said in r.stderr


def test_a_read_only_state_folder_is_critical_and_not_ready(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    with small_tmpfs(tmp_path / "state", ro=True):
        r = cli(cfg, "status", "--check")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
        assert f"the state folder {tmp_path / 'state'} is read-only" in r.stdout
        r = cli(cfg, "status")
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert f"Ready to send: no, the state folder {tmp_path / 'state'} is read-only" in r.stdout


def test_the_daemon_on_a_read_only_outbox_and_state_exits_78_in_one_line_each(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path, str(tmp_path / "queue"))
    with (
        small_tmpfs(tmp_path / "queue", ro=True, mode="0700"),
        small_tmpfs(tmp_path / "state", ro=True, mode="0700"),
    ):
        r = cli(cfg, "queue", "run", "--daemon")
        assert r.returncode == 78 and "Traceback" not in r.stderr, r.stderr
        lines = r.stderr.splitlines()
        assert [x.split(" is read-only")[0] for x in lines] == [
            f"alloy-tui: the outbox {tmp_path / 'queue'}",
            f"alloy-tui: the state folder {tmp_path / 'state'}",
        ], r.stderr
        r = cli(cfg, "status", "--check")
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert "CRITICAL" in r.stdout and f"the state folder {tmp_path / 'state'}" in r.stdout
        assert f"the outbox {tmp_path / 'queue'}" in r.stdout


def test_status_is_not_ready_on_a_read_only_outbox_even_when_the_server_answers(
    tmp_path: Path,
) -> None:
    from tests.helpers.smtp_server import SmtpServer

    with SmtpServer(tmp_path, "none") as server:
        cfg = write_config(tmp_path, str(tmp_path / "queue"))
        cfg.write_text(cfg.read_text().replace("port = 9", f"port = {server.port}"))
        r = cli(cfg, "status")
        assert r.returncode == 0 and "Ready to send: yes" in r.stdout, r.stdout + r.stderr
        with small_tmpfs(tmp_path / "queue", ro=True, mode="0700"):
            r = cli(cfg, "status")
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stdout + r.stderr
        assert f"Ready to send: no, the outbox {tmp_path / 'queue'} is read-only" in r.stdout
