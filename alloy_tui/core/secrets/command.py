"""Running a `password_command` safely: only from a config that others cannot write, in its own
process group (killed whole on a timeout), its stderr quoted only as a redacted first line."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import subprocess
from pathlib import Path

from alloy_tui.core.errors import ExplainedError, Explanation


def check_command_source(config_path: Path, setting: str) -> None:
    """Refuse to run a command named by a config that others can change (as ssh refuses keys
    and configs that others can write): whoever can write the file, or replace it through its
    folder, would decide what /bin/sh runs as this user."""
    real = Path(os.path.realpath(config_path))
    for path, what in ((real, "the config file"), (real.parent, "its folder")):
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_mode & 0o022:
            who = (
                "its group and others"
                if st.st_mode & 0o022 == 0o022
                else ("its group" if st.st_mode & 0o020 else "other users")
            )
            raise ExplainedError(
                Explanation(
                    title="The password command was not run",
                    cause=(
                        f"{setting} comes from {real}, and {what} {path} is writable by {who} "
                        f"(mode {stat.S_IMODE(st.st_mode):04o}), so someone else could change the "
                        "command /bin/sh would run as this user. Nothing was run."
                    ),
                    fix=f"Make it writable only by its owner: chmod go-w {path}",
                    code="password.command_unsafe",
                    verdict="settings",
                )
            )


def _run_in_own_group(command: str, timeout: float) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of ``/bin/sh -c command`` run in its own process group; on a
    timeout (or Ctrl+C) the whole group is killed, so nothing it started keeps running."""
    proc = subprocess.Popen(
        ["/bin/sh", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:
        _kill_group(proc)
        raise
    return proc.returncode, out, err


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    proc.wait()


_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]*|\d{1,4}")


def redact_line(line: str) -> str:
    """A helper's stderr line with every word that is not a plain word masked: a password or
    key it printed is never shown, its words ("vault is locked") are."""
    out: list[str] = []
    for word in line.split():
        core = word.strip("()[]{}\"'`.,;:!?")
        if not core or _PLAIN_WORD.fullmatch(core):
            out.append(word)
        elif not out or out[-1] != "***":
            out.append("***")
    return " ".join(out)
