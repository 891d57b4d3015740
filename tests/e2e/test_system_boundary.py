"""System mode with a service user (`setup-system --user`): root never acts by path in the
service user's tree. Real Unix users (useradd), the real program, the sandbox:

- root's sendmail hands its mail to the maildrop; the service user's runner takes it in, its
  `queue list` (and root's, which runs as the service user) shows it, and it is delivered;
  every file in the outbox, the alert log and health.json belong to the service user;
- the service user swaps queue/tmp, runner.lock and alert_log.jsonl for symlinks into a root
  folder: root's commands neither delete, create nor append anything there (one clear line,
  no traceback), and the sentinel survives;
- two runners with two configs (root's own and the system one): every maildrop message is
  delivered once, through the system config.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`
from tests.helpers.system_mode import ADMIN, CLI, Tree, owners
from tests.helpers.unix_users import as_users
from tests.helpers.waiting import arrived

pytestmark = pytest.mark.e2e


def no_traceback(r: subprocess.CompletedProcess[bytes]) -> str:
    err = r.stderr.decode()
    assert "Traceback" not in err, err
    return err


def test_roots_mail_in_service_user_mode_arrives_and_every_file_is_the_service_users(
    sb: Sandbox,
) -> None:
    with as_users("svc") as users:
        t = Tree(users, sb)
        svc = users["svc"]
        r = t.root("login")  # root, for svc's config: runs as svc
        assert r.returncode == 0, r.stderr
        assert owners(t.state) == {svc.uid}  # the token cache and the alert log it wrote
        assert (t.state / "alert_log.jsonl").stat().st_uid == svc.uid
        r = t.root("keepalive")
        assert r.returncode == 0, r.stderr
        assert (t.queue / "health.json").stat().st_uid == svc.uid

        sb.set_scenario("throttle", retry_after=1)  # first attempt deferred: it stays listed
        message = b"To: root\nSubject: root's cron in service-user mode\n\ndone\n"
        r = t.root("sendmail", "-i", "root", input=message)
        assert r.returncode == 0, r.stderr
        assert [p.stat().st_uid for p in t.maildrop.iterdir()] == [0]  # a drop, like anyone
        assert not (t.queue / "meta").exists() or os.listdir(t.queue / "meta") == []

        r = t.svc("--config", str(t.cfg), "queue", "run")  # the service user's runner
        assert r.returncode == 0, r.stderr
        assert list(t.maildrop.iterdir()) == []
        for who in (t.svc, t.root):  # root's `queue list` runs as svc: the same listing
            r = who("--config", str(t.cfg), "queue", "list", "--json")
            assert r.returncode == 0, r.stderr
            rows = [json.loads(line) for line in r.stdout.splitlines()]
            assert len(rows) == 1 and rows[0]["details"]["submitted_by"] == "root", rows
        assert owners(t.queue) == {svc.uid}

        sb.clear_scenarios()
        r = t.root("--config", str(t.cfg), "queue", "flush")
        assert r.returncode == 0, r.stderr
        got = [m for m in sb.messages() if m.subject == "root's cron in service-user mode"]
        assert len(got) == 1 and got[0].to == (ADMIN,)
        r = t.root("--config", str(t.cfg), "status", "--check")
        assert r.stdout.startswith(b"ALLOY-TUI OK"), r.stdout
        assert owners(t.queue) == {svc.uid} and owners(t.state) == {svc.uid}
        sent = [e for e in t.log() if e["event"] == "mail.sent"]
        assert [e["details"]["submitted_by"] for e in sent] == ["root"]


def sentinel(base: Path) -> Path:
    """A root folder with hour-old files and a root-only file: what must survive."""
    folder = base / "sentinel"
    folder.mkdir(mode=0o755)
    old = time.time() - 7200
    for name in ("keep-1.eml", "keep-2.json", ".hidden.tmp"):
        (folder / name).write_bytes(b"root's\n")
        os.utime(folder / name, (old, old))
    secret = folder / "root-only.log"
    secret.write_bytes(b"root's own log line\n")
    secret.chmod(0o600)
    return folder


def test_the_service_users_symlinks_never_steer_root(sb: Sandbox) -> None:
    with as_users("svc") as users:
        t = Tree(users, sb)
        assert t.root("login").returncode == 0
        guard = sentinel(t.base)
        before = {p.name: p.read_bytes() for p in guard.iterdir()}

        # queue/tmp -> the sentinel: root's runner neither tidies it nor writes into it
        r = t.root("--config", str(t.cfg), "queue", "run")  # makes the outbox (as svc)
        assert r.returncode == 0, r.stderr
        tmp = t.queue / "tmp"
        os.rmdir(tmp)
        os.symlink(guard, tmp)
        os.lchown(tmp, users["svc"].uid, users["svc"].gid)
        for args in (("queue", "run"), ("queue", "flush")):
            r = t.root("--config", str(t.cfg), *args)
            err = no_traceback(r)
            assert r.returncode == 1 and "tmp is a symbolic link" in err, (args, err)
            assert len(err.splitlines()) == 1, err
        r = t.root("--config", str(t.cfg), "status", "--check")
        assert r.returncode == 2 and b"symbolic link" in r.stdout, r.stdout  # CRITICAL
        os.unlink(tmp)
        os.mkdir(tmp, 0o700)
        os.chown(tmp, users["svc"].uid, users["svc"].gid)

        # runner.lock -> a file that does not exist yet in the sentinel: never created
        (t.queue / "runner.lock").unlink(missing_ok=True)  # the earlier runs' lock file
        os.symlink(guard / "created-by-root.lock", t.queue / "runner.lock")
        r = t.root("--config", str(t.cfg), "queue", "run")
        err = no_traceback(r)
        assert r.returncode == 1 and "runner.lock is a symbolic link" in err, err
        assert not (guard / "created-by-root.lock").exists()
        os.unlink(t.queue / "runner.lock")

        # alert_log.jsonl -> the root-only file: never appended to
        log = t.state / "alert_log.jsonl"
        log.unlink()
        os.symlink(guard / "root-only.log", log)
        r = t.root("keepalive")
        no_traceback(r)
        r = t.root("--config", str(t.cfg), "status", "--check")
        assert r.returncode == 2 and b"is a symbolic link, never followed" in r.stdout, r.stdout
        message = b"To: root\nSubject: after the swaps\n\ndone\n"
        assert t.root("sendmail", "-i", "root", input=message).returncode == 0
        r = t.root("--config", str(t.cfg), "queue", "run")
        assert r.returncode == 0, r.stderr
        assert {p.name: p.read_bytes() for p in guard.iterdir()} == before
        assert owners(guard) == {0}
        assert [m.subject for m in sb.messages()].count("after the swaps") == 1


def wait_for(sb: Sandbox, prefix: str, n: int, timeout: float) -> list[Any]:
    return arrived(sb, lambda m: m.subject.startswith(prefix), count=n, timeout=timeout)


def test_two_runners_two_configs_each_message_once_through_the_system_config(
    sb: Sandbox, tmp_path: Path
) -> None:
    with as_users("svc", "user") as users:
        t = Tree(users, sb)
        assert t.root("login").returncode == 0
        own = tmp_path / "home" / ".config" / "alloy-tui" / "config.toml"  # root's own config
        own_state = tmp_path / "home-state"
        write_config(own, config_text(sb, own_state))
        r = subprocess.run(
            [sys.executable, *CLI, "--config", str(own), "login"],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        daemons = [
            users.popen(
                "svc", [*CLI, "--config", str(t.cfg), "queue", "run", "--daemon"], env=t.env
            ),
            subprocess.Popen(
                [sys.executable, *CLI, "--config", str(own), "queue", "run", "--daemon"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env={**os.environ, **t.env, "ALLOY_TUI_STATE_DIR": str(own_state)},
            ),
        ]
        try:
            for i in range(10):
                message = f"To: root\nSubject: two runners {i}\n\nn\n".encode()
                r = users.run("user", [*CLI, "sendmail", "-i", "root"], env=t.env, input=message)
                assert r.returncode == 0, r.stderr
            wait_for(sb, "two runners ", 10, timeout=90)
            time.sleep(3)  # a second delivery would come within a wake or two
        finally:
            for d in daemons:
                d.send_signal(signal.SIGTERM)
            said = [d.communicate(timeout=30)[1].decode() for d in daemons]
            print("the daemons said:", said)  # shown when the test fails
        assert all(d.returncode == 0 for d in daemons), said
        subjects = [m.subject for m in sb.messages() if m.subject.startswith("two runners ")]
        assert sorted(subjects) == sorted(f"two runners {i}" for i in range(10))
        sent = [e for e in t.log() if e["event"] == "mail.sent"]
        assert len(sent) == 10
        own_log = own_state / "alert_log.jsonl"
        theirs = own_log.read_text() if own_log.exists() else ""
        assert "mail.sent" not in theirs and "maildrop" not in theirs
