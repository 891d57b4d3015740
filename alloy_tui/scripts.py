"""This installation's console scripts: the exact `alloy-sendmail` to link as the server's
sendmail.

`command -v alloy-sendmail` in root's shell may find another installation's script, or none (a
virtualenv or `pip --user` install is not on root's PATH), or a pyenv shim, which chooses the
program by the name it is called under and so fails when it is called `sendmail`. The script pip
wrote next to this interpreter runs this very code, so the commands shown name it exactly.
"""

from __future__ import annotations

import os
import shlex
import sysconfig
from pathlib import Path

SCRIPT = "alloy-sendmail"
BY_PATH = f'"$(command -v {SCRIPT})"'  # when no installed script can be found


def sendmail_script() -> str:
    """A shell word for alloy-sendmail: the absolute path of this interpreter's script (or the
    user-scheme one), else ``"$(command -v alloy-sendmail)"``."""
    path = script_path()
    return shlex.quote(str(path)) if path is not None else BY_PATH


def script_path() -> Path | None:
    """This installation's alloy-sendmail: the script next to this interpreter (or the
    user-scheme one), or None when neither exists."""
    schemes = (None, f"{os.name}_user")
    for scheme in schemes:
        try:
            folder = (
                sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
            )
        except KeyError:
            continue
        path = Path(folder) / SCRIPT
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def link_command(target: str = "/usr/sbin/sendmail") -> str:
    """The command (as root) that makes alloy-tui the server's sendmail."""
    return f"ln -sf {sendmail_script()} {target}"
