"""The real program as a child process, for the command-line tests: `CLI`, `run(cfg, *args)`,
and `delivered(sb, subject)`. Their sandbox (`sb`, one per module, approving a device-flow
sign-in at once since `alloy-tui login` runs in a child process the test can't approve for) is
tests/helpers/sandboxes.py's `approving_sb`, reaching tests/cli through its conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alloy_tui.sandbox import Sandbox

CLI = [sys.executable, "-m", "alloy_tui"]


def run(
    cfg: Path,
    *args: str,
    stdin: bytes = b"",
    timeout: float = 90,
    env: Mapping[str, str] | None = None,
    syslog: bool = False,
    decode: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """`alloy-tui --config cfg args...` with `stdin` as its input (TERM=dumb, NO_COLOR=1, plus
    `env`), its output decoded (bytes with ``decode=False``). `syslog`: the mail-log lines go to
    a socket beside the config (``ALLOY_TUI_SYSLOG_SOCKET``), never to this machine's syslog."""
    full = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", **(env or {})}
    if syslog:
        full["ALLOY_TUI_SYSLOG_SOCKET"] = str(cfg.parent / "log.sock")
    r = subprocess.run(
        [*CLI, "--config", str(cfg), *args],
        input=stdin,
        capture_output=True,
        env=full,
        timeout=timeout,
    )
    if not decode:
        return r
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())


def delivered(sb: Sandbox, subject: str, timeout: float = 60.0) -> Any:
    """The last message the sandbox received with this subject, waiting up to `timeout` s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in sb.messages() if m.subject == subject]
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"{subject!r} never arrived")
