"""`alloy-tui send`'s body: NUL bytes refused (exit 2) whatever else the body holds, and at a
terminal (a real pty) one Ctrl+D at the start of a line ends it. The real program against the
sandbox (real msal/httpx over HTTPS)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.cli import CLI, run, signed_in_config


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path) -> Path:
    return signed_in_config(sb, tmp_path)


@pytest.mark.parametrize(
    "body",
    [
        b"all ascii\x00 with one NUL\n",
        "utf-8 caf\u00e9 and a NUL \x00\n".encode(),
        b"latin-1 caf\xe9 and a NUL \x00\n",
        b"\x00",
    ],
)
def test_send_refuses_nul_bytes_with_exit_2(sb: Sandbox, cfg: Path, body: bytes) -> None:
    before = len(sb.messages())
    r = run(cfg, "send", "--to", "ops@contoso.example", "--subject", "nul", stdin=body)
    assert r.returncode == 2, r.stderr
    assert "NUL" in r.stderr and r.stderr.startswith("alloy-tui: ")
    assert len(sb.messages()) == before


def test_one_ctrl_d_at_a_terminal_ends_the_body(sb: Sandbox, cfg: Path) -> None:
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [*CLI, "--config", str(cfg), "send", "--to", "ops@contoso.example", "--subject", "typed"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    echoed: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(master, echoed), daemon=True)
    reader.start()
    try:
        assert proc.stderr is not None
        prompt = proc.stderr.readline()  # printed just before the body is read
        assert b"end it with Ctrl+D" in prompt
        for line in (b"first line\n", b"second line\n"):
            os.write(master, line)
            time.sleep(0.2)
        os.write(master, b"\x04")  # one Ctrl+D, at the start of a line
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError("send still waits for input after one Ctrl+D") from None
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    [m] = [m for m in sb.messages() if m.subject == "typed"]
    assert m.body.replace("\r\n", "\n").rstrip("\n") == "first line\nsecond line"


def _drain(fd: int, into: list[bytes]) -> None:
    """Read the terminal's echo so it never fills up."""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        into.append(data)
