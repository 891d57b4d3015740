"""The real program as a child process, for the command-line tests; `sb` (through
tests/cli/conftest.py): one sandbox per test module that approves a device-flow sign-in at once,
since `alloy-tui login` runs in a child process the test can't approve for."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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
