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

from alloy_tui.core.config import Settings, alert_log_path, paths, token_cache_path

DAEMON = "alloy-tui-queue.service"
TIMERS = ("alloy-tui-queue.timer", "alloy-tui-keepalive.timer")
HOMES = ("/home", "/root", "/run/user")


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


def _writable(settings: Settings, config_path: Path) -> list[Path]:
    from alloy_tui.core.outbox import outbox_path

    found = [
        paths.SYSTEM_STATE if paths.is_system_config(config_path) else paths.state_dir(),
        outbox_path(settings, config_path),
        alert_log_path(settings.alert_log.path, config_path).parent,
    ]
    if settings.queue.maildrop or paths.is_system_config(config_path):
        from alloy_tui.core.maildrop import maildrop_path

        found.append(maildrop_path(settings, config_path))  # drop files are removed once queued
    if settings.service == "exchange-online":
        found.append(token_cache_path(settings.exchange_online.token_cache, config_path).parent)
    out: list[Path] = []
    for p in (q.expanduser().absolute() for q in found):
        if p not in out:
            out.append(p)
    return out


def _hardening(settings: Settings, config_path: Path, mode: str) -> list[str]:
    places = [*_writable(settings, config_path), config_path.absolute()]
    in_home = any(str(p).startswith(HOMES) for p in places)
    # A user's files live in their home: read-only there (writes only where listed below).
    protect_home = "read-only" if mode == "user" or in_home else "yes"
    rw = " ".join(f"-{_quote(str(p))}" for p in _writable(settings, config_path))
    in_tmp = any(str(p).startswith(("/tmp/", "/var/tmp/")) for p in places)
    private_tmp = ["# PrivateTmp off: the config or state is under /tmp", "PrivateTmp=no"]
    return [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        f"ProtectHome={protect_home}",
        f"ReadWritePaths={rw}",
        *(private_tmp if in_tmp else ["PrivateTmp=yes"]),
        "UMask=0077",
    ]


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
    settings: Settings, config_path: Path, mode: str, what: str, kind: str, args: list[str]
) -> str:
    lines = [
        "[Unit]",
        f"Description=alloy-tui: {what}",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        f"Type={kind}",
        *_run_as(config_path, mode),
        f"ExecStart={_command(config_path, *args)}",
    ]
    if not paths.is_system_config(config_path):  # the system config's state is fixed
        lines.append(
            f"Environment={_quote('ALLOY_TUI_STATE_DIR=' + str(paths.state_dir().absolute()))}"
        )
    if kind == "simple":
        lines += ["ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "RestartSec=30"]
    lines += _hardening(settings, config_path, mode)
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


def units(settings: Settings, config_path: Path, mode: str) -> dict[str, str]:
    """File name -> text of every unit for `mode` ("user" or "system")."""
    if mode not in ("user", "system"):
        raise ValueError(f"mode must be 'user' or 'system', got {mode!r}")
    svc = _service
    return {
        DAEMON: svc(settings, config_path, mode, "mail queue runner (outbox, keep-alive, alerts)",
                    "simple", ["queue", "run", "--daemon"]),
        "alloy-tui-queue-once.service": svc(settings, config_path, mode,
                                            "deliver what is due in the mail queue", "oneshot",
                                            ["queue", "run"]),
        "alloy-tui-keepalive.service": svc(settings, config_path, mode,
                                           "refresh the Microsoft sign-in", "oneshot",
                                           ["keepalive"]),
        "alloy-tui-queue.timer": _timer("run the mail queue every minute",
                                        "alloy-tui-queue-once.service",
                                        ["OnBootSec=1min", "OnUnitActiveSec=1min", "AccuracySec=5s"]),
        "alloy-tui-keepalive.timer": _timer("refresh the Microsoft sign-in daily",
                                            "alloy-tui-keepalive.service",
                                            ["OnCalendar=daily", "RandomizedDelaySec=1h", "Persistent=true"]),
    }  # fmt: skip
