"""The real program as a child process, for the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "alloy_tui"]


def run(
    cfg: Path, *args: str, stdin: bytes = b"", timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """`alloy-tui --config cfg args...` with `stdin` as its input (TERM=dumb, NO_COLOR=1), its
    output decoded."""
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    r = subprocess.run(
        [*CLI, "--config", str(cfg), *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())
