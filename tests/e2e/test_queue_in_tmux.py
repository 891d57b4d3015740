"""A real terminal with few colours and none at all (TERM=linux, NO_COLOR=1), at 80x24 and
60x20: `alloy-tui queue --live` shows the outbox and a message another process queues; the
footer keeps ^Q Quit, which quits; the wizard names the outbox and F2 opens the queue."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SUBMIT = (
    "import sys; from pathlib import Path; from alloy_tui.core.outbox import Outbox; "
    "Outbox(Path(sys.argv[1])).submit(('Subject: ' + sys.argv[2] + '\\n\\nx\\n').encode(), "
    "recipients=['ops@contoso.com'], sender='', source='e2e')"
)


class Pane:
    def __init__(self, command: str, env: dict[str, str], size: tuple[int, int]) -> None:
        self.sock = f"alloy-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}='{v}'" for k, v in env.items())
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "q", "-x", str(size[0]),
                  "-y", str(size[1]), f"env -i {exports} {command}")  # fmt: skip

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True)
        return done.stdout

    def wait(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.tmux("capture-pane", "-p", "-t", "q")
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")

    def close(self) -> None:
        self.tmux("kill-server")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "ALLOY_TUI_STATE_DIR": str(tmp_path / "state"),
        "TERM": "linux",
        "NO_COLOR": "1",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "TEXTUAL_ANIMATIONS": "none",
    }


def _submit(tmp_path: Path, subject: str) -> None:
    queue = tmp_path / "state" / "queue"
    subprocess.run([sys.executable, "-c", SUBMIT, str(queue), subject], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
def test_queue_live_in_a_plain_terminal(tmp_path: Path, size: tuple[int, int]) -> None:
    for i in range(3):
        _submit(tmp_path, f"Disk alert {i}")
    config = tmp_path / "config.toml"
    pane = Pane(
        f"{sys.executable} -m alloy_tui --config {config} queue --live", _env(tmp_path), size
    )
    try:
        screen = pane.wait("Disk alert 2")
        assert "3 pending, 0 failed" in screen and "^Q Quit" in screen
        assert screen.index("Disk alert 2") < screen.index("Disk alert 0")  # newest on top
        if size[0] < 80:
            assert "F1 More keys" in screen
        _submit(tmp_path, "Queued meanwhile")
        pane.wait("Queued meanwhile", timeout=5)
        pane.tmux("send-keys", "-t", "q", "f")
        pane.wait("nothing here")
        pane.tmux("send-keys", "-t", "q", "C-q")
        deadline = time.monotonic() + 10
        while (
            "q" in pane.tmux("list-sessions", "-F", "#{session_name}")
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert pane.tmux("list-sessions", "-F", "#{session_name}").strip() == ""
    finally:
        pane.close()


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
def test_the_wizard_names_the_outbox_and_opens_it(tmp_path: Path, size: tuple[int, int]) -> None:
    _submit(tmp_path, "Disk alert 0")
    config = tmp_path / "cfg" / "config.toml"
    pane = Pane(f"{sys.executable} -m alloy_tui --config {config}", _env(tmp_path), size)
    try:
        screen = pane.wait("1 pending: F2 queue")
        assert "^Q Quit" in screen
        pane.tmux("send-keys", "-t", "q", "F2")
        screen = pane.wait("Disk alert 0")
        pane.tmux("send-keys", "-t", "q", "Escape")
        pane.wait("1 pending: F2 queue")
    finally:
        pane.close()
