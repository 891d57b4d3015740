"""`alloy-tui systemd print|install`: the units as the issue asks, checked by the real
`systemd-analyze verify`; installing writes files and starts nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "alloy_tui"]
NAMES = {
    "alloy-tui-queue.service",
    "alloy-tui-queue-once.service",
    "alloy-tui-keepalive.service",
    "alloy-tui-queue.timer",
    "alloy-tui-keepalive.timer",
}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=60)


def config(folder: Path) -> Path:
    cfg = folder / "srv" / "alloy" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(
        f'[queue]\npath = "{folder}/spool/queue"\n[alert_log]\npath = "{folder}/log/alert.jsonl"\n'
    )
    cfg.chmod(0o600)
    return cfg


def verify(folder: Path, mode: str, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is missing: install the `systemd` package (.ci/run does)")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    scope = ["--user"] if mode == "user" else []
    files = sorted(str(p) for p in folder.iterdir())
    r = subprocess.run(
        [tool, *scope, "verify", "--man=no", *files], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    # verify reports a bad directive on stderr and still exits 0: nothing may be said about ours
    assert [line for line in r.stderr.splitlines() if str(folder) in line] == [], r.stderr


@pytest.mark.parametrize("mode", ["user", "system"])
def test_install_writes_verified_units_and_starts_nothing(tmp_path: Path, mode: str) -> None:
    cfg = config(tmp_path)
    units = tmp_path / "units"
    r = run("--config", str(cfg), "systemd", "install", f"--{mode}", "--unit-dir", str(units))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in units.iterdir()} == NAMES
    ctl = "systemctl --user" if mode == "user" else "systemctl"
    assert f"{ctl} daemon-reload && {ctl} enable --now alloy-tui-queue.service" in r.stdout
    assert "Nothing was started" in r.stdout
    verify(units, mode, tmp_path)
    svc = (units / "alloy-tui-queue.service").read_text()
    for line in (
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "UMask=0077",
        "ExecReload=/bin/kill -HUP $MAINPID",
        f"ExecStart={sys.executable} -m alloy_tui --config {cfg} queue run --daemon",
    ):
        assert line in svc.splitlines(), line
    rw = next(x for x in svc.splitlines() if x.startswith("ReadWritePaths="))
    assert f"-{tmp_path}/spool/queue" in rw and f"-{tmp_path}/log" in rw
    assert "PrivateTmp=no" in svc  # the test's folders are under /tmp: a private /tmp hides them
    once = (units / "alloy-tui-queue-once.service").read_text()
    assert "Type=oneshot" in once and once.rstrip().endswith("UMask=0077")
    assert "OnUnitActiveSec=1min" in (units / "alloy-tui-queue.timer").read_text()
    assert "OnCalendar=daily" in (units / "alloy-tui-keepalive.timer").read_text()


def test_hardening_outside_tmp_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health import units

    s = Settings().with_section("queue", path="/var/spool/alloy-tui")
    s = s.with_section("alert_log", path="/var/log/alloy-tui/alert.jsonl")
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", "/var/lib/alloy-tui")
    svc = units(s, Path("/etc/alloy-tui/config.toml"), "system")["alloy-tui-queue.service"]
    lines = svc.splitlines()
    assert "ProtectHome=yes" in lines and "PrivateTmp=yes" in lines
    assert "WantedBy=multi-user.target" in lines
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "alloy-tui-queue.service").write_text(svc)
    verify(folder, "system", tmp_path)
    user = units(s, Path("/etc/alloy-tui/config.toml"), "user")["alloy-tui-queue.service"]
    assert "ProtectHome=read-only" in user.splitlines()
    assert "WantedBy=default.target" in user.splitlines()


def test_system_units_run_as_the_configs_owner(tmp_path: Path) -> None:
    """setup-system --user NAME makes NAME own the config: the units then run as NAME."""
    import pwd

    cfg = config(tmp_path)
    owner = pwd.getpwnam("mail")  # in every Debian base system; "nobody" systemd calls unsafe
    os.chown(cfg, owner.pw_uid, owner.pw_gid)
    r = run(
        "--config", str(cfg), "systemd", "install", "--system", "--unit-dir", str(tmp_path / "u")
    )
    assert r.returncode == 0, r.stderr
    for name in ("alloy-tui-queue.service", "alloy-tui-queue-once.service"):
        lines = (tmp_path / "u" / name).read_text().splitlines()
        assert "User=mail" in lines and any(x.startswith("Group=") for x in lines), name
    verify(tmp_path / "u", "system", tmp_path)
    os.chown(cfg, 0, 0)  # root's config: no User= line at all
    r = run("--config", str(cfg), "systemd", "print", "--system")
    assert "User=" not in r.stdout


def test_print_shows_every_unit(tmp_path: Path) -> None:
    r = run("--config", str(config(tmp_path)), "systemd", "print", "--system")
    assert r.returncode == 0, r.stderr
    for name in NAMES:
        assert f"# /etc/systemd/system/{name}" in r.stdout


def test_install_where_it_cannot_write_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    units = str(blocker / "units")  # under a file: mkdir fails
    r = run("--config", str(config(tmp_path)), "systemd", "install", "--unit-dir", units)
    assert r.returncode == 1
    assert (
        r.stderr.startswith("alloy-tui: cannot write the units to ") and "Traceback" not in r.stderr
    )
