"""Two real Unix users send mail in system mode: neither can read root's config or outbox, so
sendmail hands each message to the maildrop; root's queue daemon takes both in and delivers
them to the sandbox, each with details.submitted_by. One user can neither list the maildrop
nor find, read, remove or rename the other's drop file. Users are made with useradd, then removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`
from tests.helpers.system_mode import ADMIN, system_config
from tests.helpers.unix_users import Users, as_users
from tests.helpers.waiting import arrived

pytestmark = pytest.mark.e2e

PROBE = """
import errno, glob, os, sys
folder, theirs = sys.argv[1], sys.argv[2]
out = []
try:
    os.listdir(folder); out.append("listed")
except PermissionError:
    out.append("no-list")
out.append("glob-empty" if not glob.glob(os.path.join(folder, "*")) else "globbed")
for action in (os.unlink, lambda p: os.rename(p, p + ".mine")):
    try:
        action(os.path.join(folder, theirs)); out.append("changed")
    except PermissionError:
        out.append("no-change")
try:
    open(os.path.join(folder, "%d.%s" % (os.getuid() + 1, "0" * 32)), "rb")
except FileNotFoundError:
    out.append("guess-missed")
try:  # even told the other's file name, it is 0640 in the maildrop's (root's) group
    open(os.path.join(folder, theirs), "rb").read(1); out.append("read")
except PermissionError:
    out.append("no-read")
print(" ".join(out))
"""


def wait_for(sb: Sandbox, subjects: set[str], timeout: float) -> list[Any]:
    return arrived(sb, lambda m: m.subject in subjects, count=len(subjects), timeout=timeout)


def test_two_users_mail_through_the_maildrop_and_roots_daemon(sb: Sandbox) -> None:
    with as_users("a", "b") as users:
        base = users.workdir / "sys"
        base.mkdir()
        base.chmod(0o755)
        cfg, maildrop = system_config(sb, base)
        common = {"ALLOY_TUI_MAILDROP": str(maildrop), "HOME": str(base / "nohome")}
        env_a = {**common, "ALLOY_TUI_SYSTEM_CONFIG": str(cfg)}  # no config of A's own
        env_b = {**common, "ALLOY_TUI_CONFIG": str(cfg)}  # named, but root's 0600 file
        for user, env in (("a", env_a), ("b", env_b)):
            message = f"To: root\nSubject: cron of {users[user].name}\n\ndone\n".encode()
            r = users.run(
                user, ["-m", "alloy_tui", "sendmail", "-i", "root"], env=env, input=message
            )
            assert r.returncode == 0, r.stderr
        files = {p.stat().st_uid: p.name for p in maildrop.iterdir()}
        assert set(files) == {users["a"].uid, users["b"].uid}
        probe = users.run("a", ["-c", PROBE, str(maildrop), files[users["b"].uid]], env={})
        assert probe.stdout.decode().split() == [
            "no-list", "glob-empty", "no-change", "no-change", "guess-missed", "no-read"
        ], probe.stderr  # fmt: skip
        run_daemon_until_delivered(sb, users, cfg, maildrop)


def run_daemon_until_delivered(sb: Sandbox, users: Users, cfg: Path, maildrop: Path) -> None:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "queue", "run", "--daemon"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        names = {users[k].name for k in ("a", "b")}
        got = wait_for(sb, {f"cron of {n}" for n in names}, timeout=60)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    assert all(m.to == (ADMIN,) for m in got)
    assert {m.from_address for m in got} == {"alerts@contoso.example"}
    assert os.listdir(maildrop) == []
    log = cfg.parent.parent / "state" / "alert_log.jsonl"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    for event in ("mail.queued", "mail.sent"):
        by = {e["details"].get("submitted_by") for e in entries if e["event"] == event}
        assert by == names, (event, by)
    assert not [e for e in entries if e["event"] == "maildrop.refused"]
