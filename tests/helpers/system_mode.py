"""System mode for tests: the system config and maildrop as setup-system makes them, a tree made
by `setup-system --user`, and a `sendmail -bs` session spoken as another user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.unix_users import Users

ADMIN = "ops@contoso.example"
CLI = ["-m", "alloy_tui"]

SMTP_CONFIG = (
    'service = "smtp"\n[smtp]\nhost = "relay.example.com"\n[sendmail]\nadmin = "ops@contoso.example"\n'
    '[message]\ndefault_from = "alerts@contoso.example"\n'
)


def system_mode(place: Path, *, config_mode: int = 0o600, etc_mode: int = 0o700) -> dict[str, str]:
    etc = place / "etc"
    etc.mkdir(mode=etc_mode)
    etc.chmod(etc_mode)
    (etc / "config.toml").write_text(SMTP_CONFIG)
    (etc / "config.toml").chmod(config_mode)
    drop = place / "maildrop"
    drop.mkdir()
    drop.chmod(0o3733)
    return {
        "ALLOY_TUI_SYSTEM_CONFIG": str(etc / "config.toml"),
        "ALLOY_TUI_MAILDROP": str(drop),
        "XDG_CONFIG_HOME": str(place / "nohome"),
        "XDG_STATE_HOME": str(place / "nohome"),
        "HOME": str(place / "nohome"),
    }


class AsUser:
    """`sendmail -bs -i` as the test user, spoken to as Symfony's ProcessStream does."""

    def __init__(self, users: Users, env: dict[str, str]) -> None:
        argv = users.argv(users["a"], ["-m", "alloy_tui", "sendmail", "-bs", "-i"])
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=users._env(env),
        )
        self.timer = threading.Timer(60, self.proc.kill)  # never a hung test
        self.timer.start()

    def reply(self) -> tuple[int, str]:
        assert self.proc.stdout is not None
        lines = []
        while True:
            line = self.proc.stdout.readline().decode()
            assert line.endswith("\r\n"), f"cut reply: {line!r} after {lines}"
            lines.append(line)
            if line[3] == " ":
                return int(line[:3]), "".join(lines)

    def send(self, data: bytes) -> tuple[int, str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return self.reply()

    def finish(self) -> tuple[int, str]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self.timer.cancel()
        return code, self.proc.stderr.read().decode()


def system_config(sb: Sandbox, base: Path) -> tuple[Path, Path]:
    """Root's system config (in a 0700 folder) and the maildrop (3733), as setup-system makes them."""
    etc, state, maildrop = base / "etc", base / "state", base / "maildrop"
    for d, mode in ((etc, 0o700), (state, 0o700), (maildrop, 0o3733)):
        d.mkdir()
        d.chmod(mode)
    text = config_text(sb, state) + f'[sendmail]\nadmin = "{ADMIN}"\n'
    text = text.replace("[queue]\n", f'[queue]\nmaildrop = "{maildrop}"\n', 1)
    write_config(etc / "config.toml", text)
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(etc / "config.toml"), "login"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    return etc / "config.toml", maildrop


class Tree:
    """setup-system --user svc --prefix base, and a signed-in system config in it."""

    def __init__(self, users: Users, sb: Sandbox) -> None:
        self.users = users
        self.base = users.workdir / "sys"
        self.base.mkdir()
        self.base.chmod(0o755)
        svc = users["svc"]
        r = users.run(
            "root", [*CLI, "setup-system", "--user", svc.name, "--prefix", str(self.base)], env={}
        )
        assert r.returncode == 0, r.stderr
        self.cfg = self.base / "etc/alloy-tui/config.toml"
        self.state = self.base / "var/lib/alloy-tui"
        self.queue = self.base / "var/spool/alloy-tui/queue"
        self.maildrop = self.base / "var/spool/alloy-tui/maildrop"
        ca = self.base / "ca.pem"  # the sandbox's CA, where the service user can read it
        shutil.copyfile(sb.ca_path, ca)
        ca.chmod(0o644)
        text = config_text(sb, self.state).replace(str(sb.ca_path), str(ca))
        text = text.replace(str(self.state / "queue"), str(self.queue))
        text = text.replace("[queue]\n", f'[queue]\nmaildrop = "{self.maildrop}"\n', 1)
        write_config(self.cfg, text + f'[sendmail]\nadmin = "{ADMIN}"\n')
        os.chown(self.cfg, svc.uid, svc.gid)  # the wizard, run as svc, would write it so
        self.env = {
            "ALLOY_TUI_SYSTEM_CONFIG": str(self.cfg),
            "ALLOY_TUI_MAILDROP": str(self.maildrop),
            "ALLOY_TUI_STATE_DIR": str(self.state),  # the state folder under --prefix
            "HOME": str(self.base / "nohome"),
        }

    def root(self, *args: str, input: bytes = b"") -> subprocess.CompletedProcess[bytes]:  # noqa: A002
        return self.users.run("root", [*CLI, *args], env=self.env, input=input)

    def svc(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return self.users.run("svc", [*CLI, *args], env=self.env)

    def log(self) -> list[dict[str, Any]]:
        path = self.state / "alert_log.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def owners(folder: Path) -> set[int]:
    """The owner of the folder and of everything in it."""
    found = {folder.lstat().st_uid}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            found.add(os.lstat(os.path.join(top, name)).st_uid)
    return found
