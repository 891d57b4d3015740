"""`alloy-tui systemd print|install`: the units as the issue asks, checked by the real
`systemd-analyze verify`; installing writes files and starts nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tests.helpers.cli import alloy

NAMES = {
    "alloy-tui-queue.service",
    "alloy-tui-queue-once.service",
    "alloy-tui-keepalive.service",
    "alloy-tui-queue.timer",
    "alloy-tui-keepalive.timer",
}


SYSTEM_WIDE = [
    ("the interpreter", Path("/usr/bin/python3")),
    ("the alloy_tui package", Path("/usr/lib/python3/dist-packages/alloy_tui")),
]


run = partial(alloy, timeout=60)


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
    cfg = Path("/etc/alloy-tui/config.toml")
    svc = units(s, cfg, "system", SYSTEM_WIDE)["alloy-tui-queue.service"]
    lines = svc.splitlines()
    assert "ProtectHome=yes" in lines and "PrivateTmp=yes" in lines
    assert "WantedBy=multi-user.target" in lines
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "alloy-tui-queue.service").write_text(svc)
    verify(folder, "system", tmp_path)
    assert "RestartPreventExitStatus=2 78" in lines  # a setting, a read-only outbox: no loop
    user = units(s, cfg, "user", SYSTEM_WIDE)["alloy-tui-queue.service"]
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


def _unit(tmp_path: Path, program: list[tuple[str, Path]], **queue: str) -> list[str]:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health import units

    s = Settings().with_section("queue", path="/var/spool/alloy-tui/queue", **queue)
    s = s.with_section("alert_log", path="/var/log/alloy-tui/alert.jsonl")
    svc = units(s, Path("/etc/alloy-tui/config.toml"), "system", program)
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    (folder / "alloy-tui-queue.service").write_text(svc["alloy-tui-queue.service"])
    verify(folder, "system", tmp_path)
    return svc["alloy-tui-queue.service"].splitlines()


def test_an_interpreter_under_root_keeps_home_readable_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", "/var/lib/alloy-tui")
    pyenv = Path("/root/.pyenv/versions/3.11.7/bin/python3")
    lines = _unit(tmp_path, [("the interpreter", pyenv)])
    assert "ProtectHome=yes" not in lines and "ProtectHome=read-only" in lines
    assert f"# ProtectHome=read-only, not yes: the interpreter is {pyenv}, under /root" in lines
    assert "PrivateTmp=yes" in lines
    lines = _unit(tmp_path, [("the alloy_tui package", Path("/home/ops/src/alloy_tui"))])
    assert "ProtectHome=read-only" in lines
    lines = _unit(tmp_path, [("the interpreter", Path("/tmp/venv/bin/python3"))])
    assert "PrivateTmp=no" in lines and "ProtectHome=yes" in lines
    assert any(x.startswith("# PrivateTmp off: the interpreter is /tmp/venv") for x in lines)


def test_this_very_interpreter_is_what_the_unit_allows(tmp_path: Path) -> None:
    """The default: the places of the interpreter that prints the unit (here a pyenv under
    /root, or a venv): never ProtectHome=yes while any of them is under a home."""
    from alloy_tui.core.health.unit_places import program_places

    homes = ("/home/", "/root/", "/run/user/")
    under_home = any(str(p).startswith(homes) for _w, p in program_places())
    r = run("--config", str(config(tmp_path)), "systemd", "print", "--system")
    assert r.returncode == 0, r.stderr
    assert ("ProtectHome=yes" in r.stdout.splitlines()) is not under_home
    assert "PrivateTmp=no" in r.stdout.splitlines()  # the test's config is under /tmp


def test_the_maildrop_is_writable_whenever_the_runner_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", "/var/lib/alloy-tui")
    lines = _unit(tmp_path, SYSTEM_WIDE, maildrop="/srv/drop")
    rw = next(x for x in lines if x.startswith("ReadWritePaths="))
    assert "-/srv/drop" in rw.split()


def test_a_program_the_service_user_cannot_reach_is_a_warning(tmp_path: Path) -> None:
    import pwd

    cfg = config(tmp_path)
    owner = pwd.getpwnam("mail")
    os.chown(cfg, owner.pw_uid, owner.pw_gid)
    closed = tmp_path / "closed"
    (closed / "bin").mkdir(parents=True)
    closed.chmod(0o700)
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health import units

    svc = units(Settings(), cfg, "system", [("the interpreter", closed / "bin" / "python3")])
    text = svc["alloy-tui-queue.service"]
    assert f"# WARNING: the interpreter {closed}/bin/python3 can't be reached by mail" in text
    assert "install alloy-tui system-wide" in text


def test_a_ca_bundle_under_home_keeps_home_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health import units

    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", "/var/lib/alloy-tui")
    s = Settings().with_section("queue", path="/var/spool/alloy-tui/queue")
    s = s.with_section("alert_log", path="/var/log/alloy-tui/alert.jsonl")
    s = s.with_section("network", ca_bundle="/home/ops/corp-ca.pem")
    svc = units(s, Path("/etc/alloy-tui/config.toml"), "system", SYSTEM_WIDE)
    lines = svc["alloy-tui-queue.service"].splitlines()
    assert "ProtectHome=read-only" in lines
    assert "# ProtectHome=read-only, not yes: [network] ca_bundle is /home/ops/corp-ca.pem, " \
        "under /home" in lines  # fmt: skip


def test_the_config_and_ca_bundles_stay_read_only_and_the_unit_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gap 5: ProtectSystem=strict keeps the config and the CA bundles read-only (a comment
    says so, no ReadOnlyPaths= needed); a config inside a folder the service writes is said."""
    from alloy_tui.core.config import Settings
    from alloy_tui.core.health import units

    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", "/var/lib/alloy-tui")
    s = Settings().with_section("queue", path="/var/spool/alloy-tui/queue")
    s = s.with_section("alert_log", path="/var/log/alloy-tui/alert.jsonl")
    svc = units(s, Path("/etc/alloy-tui/config.toml"), "system", SYSTEM_WIDE)
    lines = svc["alloy-tui-queue.service"].splitlines()
    assert "ProtectSystem=strict" in lines and not any(x.startswith("# NOTE") for x in lines)
    assert any(
        x.startswith("# No ReadOnlyPaths=: ProtectSystem=strict already keeps") for x in lines
    )
    rw = next(x for x in lines if x.startswith("ReadWritePaths="))
    assert "/etc" not in rw
    beside = s.with_section("alert_log", path="alert.jsonl")  # next to the config: /etc/alloy-tui
    lines = units(beside, Path("/etc/alloy-tui/config.toml"), "system", SYSTEM_WIDE)[
        "alloy-tui-queue.service"
    ].splitlines()
    assert (
        "# NOTE: the config /etc/alloy-tui/config.toml lies in /etc/alloy-tui, which the service "
        "writes: it is writable by the service; move it out (a ReadOnlyPaths= bind mount would "
        "hide a replaced file until restart)"
    ) in lines
    out = tmp_path / "units"
    out.mkdir()
    for name, text in svc.items():
        (out / name).write_text(text)
    verify(out, "system", tmp_path)
