"""systemd units for unattended running, as text (nothing here touches systemd).

``alloy-tui-queue.service``: the runner daemon (`queue run --daemon`: the outbox, the daily
keep-alive, the alerts), ``Restart=on-failure``, hardened for a mail agent. For those who want
no daemon: ``alloy-tui-queue.timer`` runs ``alloy-tui-queue-once.service`` (`queue run`) every
minute and ``alloy-tui-keepalive.timer`` runs ``alloy-tui-keepalive.service`` daily.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import NamedTuple

from alloy_tui.core.config import Settings, paths
from alloy_tui.core.health.unit_places import (
    Places,
    data_places,
    hardening,
    program_places,
    unreachable,
)

DAEMON = "alloy-tui-queue.service"
TIMERS = ("alloy-tui-queue.timer", "alloy-tui-keepalive.timer")
# `queue run --daemon` exits 78 (EX_CONFIG) when it can't start as configured (a setting, an
# outbox or state folder that is read-only, missing or not a folder) and 2 on a bad setting or
# usage: restarting every 30 s would change nothing, so systemd does not.
NO_RESTART_CODES = "2 78"


def unit_dir(mode: str) -> Path:
    """Where `systemd install` writes: the user's unit folder, or /etc/systemd/system."""
    if mode == "system":
        return Path("/etc/systemd/system")
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def enable_line(mode: str) -> str:
    ctl = "systemctl --user" if mode == "user" else "systemctl"
    return (
        f"{ctl} daemon-reload && {ctl} enable --now {DAEMON}\n"
        f"  (or, without a daemon: {ctl} enable --now {' '.join(TIMERS)})"
    )


def _run_as(config_path: Path, mode: str) -> list[str]:
    """System units run as the config's owner (setup-system --user NAME makes it NAME): the
    runner is whoever owns the config, so its files stay that user's. Root needs no line."""
    import pwd

    if mode != "system":
        return []
    try:
        entry = pwd.getpwuid(config_path.stat().st_uid)
    except (OSError, KeyError):
        return []  # not written yet, or an owner with no name: root runs it
    if entry.pw_uid == 0:
        return []
    import grp

    try:
        group = grp.getgrgid(entry.pw_gid).gr_name
    except KeyError:
        group = str(entry.pw_gid)
    return [f"User={entry.pw_name}", f"Group={group}"]


def _quote(text: str) -> str:
    return f'"{text}"' if any(c.isspace() for c in text) else text


def _command(config_path: Path, *args: str) -> str:
    argv = [sys.executable, "-m", "alloy_tui", "--config", str(config_path.absolute()), *args]
    return " ".join(shlex.quote(a) for a in argv)


def _service(
    places: Places, config_path: Path, mode: str, what: str, kind: str, args: list[str]
) -> str:
    run_as = _run_as(config_path, mode)
    lines = [
        "[Unit]",
        f"Description=alloy-tui: {what}",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        f"Type={kind}",
        *run_as,
        f"ExecStart={_command(config_path, *args)}",
    ]
    if not paths.is_system_config(config_path):  # the system config's state is fixed
        lines.append(
            f"Environment={_quote('ALLOY_TUI_STATE_DIR=' + str(paths.state_dir().absolute()))}"
        )
    if kind == "simple":
        lines += ["ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "RestartSec=30"]
        lines.append(f"RestartPreventExitStatus={NO_RESTART_CODES}")
    user = run_as[0].removeprefix("User=") if run_as else None
    lines += hardening(places, mode, user)
    if kind == "simple":
        target = "default.target" if mode == "user" else "multi-user.target"
        lines += ["", "[Install]", f"WantedBy={target}"]
    return "\n".join(lines) + "\n"


def _timer(what: str, unit: str, schedule: list[str]) -> str:
    return (
        "\n".join(
            [
                "[Unit]",
                f"Description=alloy-tui: {what}",
                "",
                "[Timer]",
                *schedule,
                f"Unit={unit}",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]
        )
        + "\n"
    )


class UnitSet(NamedTuple):
    files: dict[str, str]  # file name -> text
    warnings: list[str]  # why the daemon's service can't start as written (also `# WARNING:` in it)


def units(
    settings: Settings,
    config_path: Path,
    mode: str,
    program: list[tuple[str, Path]] | None = None,
) -> dict[str, str]:
    """File name -> text of every unit for `mode` ("user" or "system"). `program`: where the
    interpreter and the package are (default: this process's own, as ExecStart runs them)."""
    return unit_set(settings, config_path, mode, program).files


def unit_set(
    settings: Settings,
    config_path: Path,
    mode: str,
    program: list[tuple[str, Path]] | None = None,
) -> UnitSet:
    """`units`, with the warnings as data: one sentence for each reason the service would not
    start (a program path the service user can't reach), for the command to print."""
    if mode not in ("user", "system"):
        raise ValueError(f"mode must be 'user' or 'system', got {mode!r}")
    places = data_places(settings, config_path)
    places.program = program_places() if program is None else program
    run_as = _run_as(config_path, mode)
    user = run_as[0].removeprefix("User=") if run_as else None
    warnings = unreachable(places, user) if user and mode == "system" else []
    return UnitSet(_files(places, config_path, mode), warnings)


def _files(places: Places, config_path: Path, mode: str) -> dict[str, str]:
    svc = _service
    return {
        DAEMON: svc(places, config_path, mode, "mail queue runner (outbox, keep-alive, alerts)",
                    "simple", ["queue", "run", "--daemon"]),
        "alloy-tui-queue-once.service": svc(places, config_path, mode,
                                            "deliver what is due in the mail queue", "oneshot",
                                            ["queue", "run"]),
        "alloy-tui-keepalive.service": svc(places, config_path, mode,
                                           "refresh the Microsoft sign-in", "oneshot",
                                           ["keepalive"]),
        "alloy-tui-queue.timer": _timer("run the mail queue every minute",
                                        "alloy-tui-queue-once.service",
                                        ["OnBootSec=1min", "OnUnitActiveSec=1min", "AccuracySec=5s"]),
        "alloy-tui-keepalive.timer": _timer("refresh the Microsoft sign-in daily",
                                            "alloy-tui-keepalive.service",
                                            ["OnCalendar=daily", "RandomizedDelaySec=1h", "Persistent=true"]),
    }  # fmt: skip
