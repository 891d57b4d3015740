"""One sandbox for a series of headless commands: `sandbox serve` prints an export line, and
commands run with it talk to that sandbox; a lone `--sandbox` command says how to chain."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers.cli import alloy

ROOT = Path(__file__).resolve().parents[2]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return alloy(*args, environ=env, timeout=60, stdin=b"")


def _export_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The `export ...` line `sandbox serve` prints, or "" when none comes in time."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line.strip().startswith("export "):
            return line.strip()
    return ""


def test_serve_keeps_one_sandbox_for_login_status_send_and_log(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("ALLOY_TUI_CONFIG", "ALLOY_TUI_STATE_DIR"):
        env.pop(name, None)
    folder = tmp_path / "sb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "alloy_tui", "sandbox", "serve", "--dir", str(folder)]
        + ["--auto-approve", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    try:
        export = _export_line(proc)
        found = dict(re.findall(r"(ALLOY_TUI_\w+)=(\S+)", export))
        assert set(found) == {"ALLOY_TUI_CONFIG", "ALLOY_TUI_STATE_DIR"}, export
        assert Path(found["ALLOY_TUI_CONFIG"]).is_relative_to(folder)
        assert Path(found["ALLOY_TUI_STATE_DIR"]).is_relative_to(folder)
        chained = dict(env, **found)
        login = run(chained, "login")
        assert login.returncode == 0, login.stderr
        assert "Signed in as" in login.stdout
        status = run(chained, "status")
        assert status.returncode == 0 and "Ready to send: yes" in status.stdout, status.stdout
        sent = run(chained, "test-send", "--to", "ops@contoso.example")
        assert sent.returncode == 0, sent.stderr
        log = run(chained, "log", "-n", "5")
        assert "ops@contoso.example" in log.stdout, log.stdout
        listed = run(chained, "sandbox", "messages", "--dir", str(folder))
        assert "To: ops@contoso.example" in listed.stdout, listed.stdout
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)


def test_a_lone_sandbox_command_says_how_to_keep_one() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    status = run(env, "--sandbox", "status")
    assert status.returncode == 1
    said = status.stdout + status.stderr
    assert "alloy-tui sandbox serve" in said, said
    assert "Fix: run `alloy-tui login`." not in said  # that would target the real config
    log = run(env, "--sandbox", "log")
    assert "alloy-tui sandbox serve" in log.stdout + log.stderr
