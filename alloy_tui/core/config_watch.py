"""The daemon's config watch. A daemon runs with the settings it started with; when the config
file changes (the wizard's save, `config set`, an editor, `takeover`) and the new one loads, the
watch sets ``changed`` and ``stop``: the runner finishes the message in flight and the command
starts the daemon again with the new settings, as SIGHUP does. No admin has to remember a
restart after fixing a wrong password or host, and a settings hold then meets the new settings.

A config that no longer loads (a typo mid-edit) is said once in the alert log and the daemon
goes on with the settings it has: a restart would only stop on it (exit 78) and leave no one
delivering. A config that is gone (an editor's rename) is looked at again on the next tick.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings

EVERY_SECONDS = 5.0

Stamp = tuple[int, int, int, int]


def stamp(path: Path) -> Stamp | None:
    """What tells one version of the file from the next (the link's target's, as load reads)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def watch_config(
    settings: Settings,
    config_path: Path,
    stop: threading.Event,
    changed: threading.Event,
    *,
    since: Stamp | None,
    every: float = EVERY_SECONDS,
) -> threading.Thread:
    """Look at the config every ``every`` seconds until ``stop``; ``since`` is the version the
    settings were read from (`stamp` taken before they were)."""

    def loop() -> None:
        said: Stamp | None = None
        while not stop.wait(every):
            now = stamp(config_path)
            if now is None or now == since or now == said:
                continue
            problem = _problem(config_path)
            if problem:
                said = now
                _say(settings, config_path, problem)
                continue
            changed.set()
            stop.set()
            return

    thread = threading.Thread(target=loop, name="config-watch", daemon=True)
    thread.start()
    return thread


def _problem(config_path: Path) -> str:
    from alloy_tui.core.config import ConfigError, SettingsError, load

    try:
        load(config_path)
    except (ConfigError, SettingsError) as e:
        return "; ".join(e.lines)
    except OSError as e:
        return str(e)
    return ""


def _say(settings: Settings, config_path: Path, problem: str) -> None:
    from alloy_tui.core import alertlog

    try:
        alertlog.record(
            settings,
            config_path,
            "warning",
            "daemon.config_unusable",
            f"The config {config_path} changed but can't be used: {problem}. The daemon goes on "
            "with the settings it started with; it takes the new ones once the file loads "
            "(`alloy-tui config validate`).",
            {"config": str(config_path)},
        )
    except Exception:  # noqa: BLE001 - a log that can't be written never stops the daemon
        pass
