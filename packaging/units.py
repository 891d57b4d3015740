"""Writes the package's systemd units: `packaging/build-deb` runs this with the staged venv's
interpreter, so the units are the ones `alloy-tui systemd print --system` makes for the system
config (same sandboxing, same commands), with three things only a package knows:

- ExecStart names the installed interpreter (/usr/lib/alloy-tui/bin/python3.X), not the staging
  copy the build runs;
- every service runs as the package's service user (User=/Group= alloy-tui), as setup-system
  --user alloy-tui makes the config its;
- every service has ``ConditionPathExists=`` on the system config, and
  ``alloy-tui-queue.path`` starts the daemon when the config is saved: enabled at install,
  the daemon starts once the wizard has written the config, never before.

    python units.py OUT_DIR INSTALLED_INTERPRETER [STAGING_ROOT]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USER = "alloy-tui"
PATH_UNIT = "alloy-tui-queue.path"


def main(argv: list[str]) -> int:
    out, interpreter = Path(argv[1]), argv[2]
    os.environ.pop("ALLOY_TUI_SYSTEM_CONFIG", None)  # the real /etc/alloy-tui/config.toml
    os.environ.pop("ALLOY_TUI_STATE_DIR", None)
    sys.executable = interpreter  # what ExecStart runs once installed
    from alloy_tui.core.config import Settings, paths
    from alloy_tui.core.health import units
    from alloy_tui.core.health.systemd_units import DAEMON

    config = paths.SYSTEM_CONFIG
    program = [
        ("the interpreter", Path(interpreter)),
        ("the Python installation", Path("/usr")),
        ("the Python environment", Path(interpreter).parent.parent),
    ]
    made = units(Settings(), config, "system", program=program)
    made[PATH_UNIT] = path_unit(config, DAEMON)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in made.items():
        if name.endswith(".service"):
            text = as_package(text, config)
        (out / name).write_text(text)
        print(out / name)
    return 0


def as_package(text: str, config: Path) -> str:
    lines = [ln for ln in text.splitlines() if not ln.startswith(("User=", "Group="))]
    at = lines.index("[Service]")
    lines.insert(at - 1, f"ConditionPathExists={config}")
    typed = next(i for i, ln in enumerate(lines) if ln.startswith("Type="))
    lines[typed + 1 : typed + 1] = [f"User={USER}", f"Group={USER}"]
    return "\n".join(lines) + "\n"


def path_unit(config: Path, daemon: str) -> str:
    return (
        "[Unit]\n"
        f"Description=alloy-tui: start the mail queue runner when {config} is saved\n"
        "\n"
        "[Path]\n"
        "# PathChanged=, not PathExists=: a daemon stopped by the admin (or by an upgrade) stays\n"
        "# stopped until the config is written again.\n"
        f"PathChanged={config}\n"
        f"Unit={daemon}\n"
        "\n"
        "[Install]\n"
        "WantedBy=paths.target\n"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
