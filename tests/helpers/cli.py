"""The real program as a child process, for the command-line tests; `sb` (through
tests/cli/conftest.py): one sandbox per test module that approves a device-flow sign-in at once,
since `alloy-tui login` runs in a child process the test can't approve for."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox import Sandbox

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


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(auto_approve_after=0) as s:
        yield s


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
