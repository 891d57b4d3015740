"""Issue 9 item 10: a password helper that hangs is killed with everything it started, and a
failing one is quoted only by its exit status and a redacted first line of its stderr."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.secrets import passwords as secrets


def _smtp(command: str) -> Settings:
    return Settings(service="smtp").with_section(
        "smtp", host="mail.example.com", username="app@example.com", password_command=command
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (only its parent, init here, has not reaped it yet).
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_timed_out_command_leaves_no_child_running(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    command = f"sleep 300 >/dev/null 2>&1 & echo $! > {pidfile}; sleep 300"
    t0 = time.monotonic()
    with pytest.raises(ExplainedError, match="did not finish within 0.5 seconds"):
        secrets.get_password(_smtp(command), "smtp", timeout=0.5)
    assert time.monotonic() - t0 < 5
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the helper's child outlived the timeout"


def test_a_failing_command_quotes_its_status_and_a_redacted_first_line() -> None:
    command = (
        "echo 'gpg: decryption failed for Tr0ub4dor&3 (key 0xDEADBEEF)' >&2; "
        "echo 'the password is correct-horse-battery' >&2; exit 3"
    )
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(_smtp(command), "smtp")
    ex = e.value.explanation
    text = ex.cause.replace(command, "") + ex.fix + ex.title
    assert "exited with code 3" in text
    assert "gpg: decryption failed for ***" in text
    for secret in ("Tr0ub4dor", "0xDEADBEEF", "correct-horse", "the password is"):
        assert secret not in text


def test_a_plain_message_is_still_quoted() -> None:
    with pytest.raises(ExplainedError) as e:
        secrets.get_password(_smtp("echo 'Error: the vault is locked.' >&2; exit 1"), "smtp")
    assert '"Error: the vault is locked."' in e.value.explanation.cause
