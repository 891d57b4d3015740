"""System mode: with no user config, the system config (/etc/alloy-tui/config.toml; here a
path named by $ALLOY_TUI_SYSTEM_CONFIG) is used, its state lives under /var/lib/alloy-tui and
its outbox under /var/spool/alloy-tui unless set, and `config path --all` says why."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.helpers.cli import alloy


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return alloy(*args, environ=env, timeout=60)


def clean_env(tmp_path: Path, system: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOY_TUI_")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
        XDG_STATE_HOME=str(tmp_path / "home" / ".local" / "state"),
        ALLOY_TUI_SYSTEM_CONFIG=str(system),
    )
    return env


def test_the_system_config_is_used_when_there_is_no_user_config(tmp_path: Path) -> None:
    system = tmp_path / "etc" / "alloy-tui" / "config.toml"
    env = clean_env(tmp_path, system)
    user = tmp_path / "home" / ".config" / "alloy-tui" / "config.toml"
    r = run(env, "config", "path", "--all")
    assert r.stdout.splitlines()[:2] == [
        f"config:      {user}  (not created yet)",
        "chosen by:   your user config (not created yet)",
    ]
    system.parent.mkdir(parents=True)
    system.write_text('service = "smtp"\n[smtp]\nhost = "relay.example.com"\n')
    system.chmod(0o600)
    r = run(env, "config", "path", "--all")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"config:      {system}"
    assert lines[1] == f"chosen by:   the system config (no user config at {user})"
    assert lines[3] == "alert log:   /var/lib/alloy-tui/alert_log.jsonl"
    r = run(env, "systemd", "print", "--system")
    assert "-/var/spool/alloy-tui/queue" in r.stdout  # the system outbox
    assert "-/var/lib/alloy-tui" in r.stdout and "ALLOY_TUI_STATE_DIR" not in r.stdout
    assert f"--config {system} queue run --daemon" in r.stdout
    user.parent.mkdir(parents=True)
    user.write_text('service = "smtp"\n')
    user.chmod(0o600)
    lines = run(env, "config", "path", "--all").stdout.splitlines()
    assert lines[:2] == [f"config:      {user}", "chosen by:   your user config"]
    assert lines[3] == f"alert log:   {tmp_path}/home/.local/state/alloy-tui/alert_log.jsonl"
