"""A real terminal: `alloy-tui log --live` in tmux; another process appends; the entry shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _capture(sock: str) -> str:
    out = subprocess.run(
        ["tmux", "-L", sock, "capture-pane", "-p", "-t", "live"], capture_output=True, text=True
    )
    return out.stdout


def _wait_for(sock: str, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _capture(sock)
        if text in screen:
            return screen
        time.sleep(0.05)
    raise AssertionError(f"{text!r} did not appear; the screen was:\n{screen}")


def _start_live(tmp_path: Path, state: Path, term: str) -> tuple[str, list[str]]:
    """`alloy-tui log --live` at 80x24 in a new tmux server (session "live") with nothing but
    this environment; the socket name and the tmux command line to reach it."""
    sock = f"alloy-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    env = {
        "ALLOY_TUI_STATE_DIR": str(state),
        "ALLOY_TUI_CONFIG": str(tmp_path / "config.toml"),
        "TERM": term,
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "TEXTUAL_ANIMATIONS": "none",
    }
    exports = " ".join(f"{k}='{v}'" for k, v in env.items())
    shell = f"env -i {exports} {sys.executable} -m alloy_tui log --live"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "live", "-x", "80", "-y", "24", shell], check=True
    )
    return sock, tmux


def test_live_view_shows_an_entry_appended_by_another_process(tmp_path: Path) -> None:
    state = tmp_path / "state"
    log = state / "alert_log.jsonl"
    append = (
        "import sys; from pathlib import Path; from alloy_tui.core.alertlog import AlertLogWriter; "
        "AlertLogWriter(Path(sys.argv[1])).write(sys.argv[2], sys.argv[4], sys.argv[3])"
    )

    def write(level: str, message: str, event: str) -> None:
        subprocess.run([sys.executable, "-c", append, str(log), level, message, event], check=True)

    write("info", "written before start", "test_message.sent")
    sock, tmux = _start_live(tmp_path, state, "xterm-256color")
    try:
        first = _wait_for(sock, "written before start")
        assert "1 entry" in first
        write("error", "appended by another process", "test_message.failed")
        screen = _wait_for(sock, "appended by another process", timeout=5)
        rows = [line for line in screen.splitlines() if "test_message." in line]
        assert "appended by another process" in rows[0] and "ERROR" in rows[0]  # newest at the top
        assert "written before start" in rows[1]
        # At 80 columns sent and failed read in full, with today's time as HH:MM:SS.
        assert " test_message.failed " in rows[0] and " test_message.sent " in rows[1]
        assert re.match(r"^.\d\d:\d\d:\d\d ", rows[0]), rows[0]
        subprocess.run([*tmux, "send-keys", "-t", "live", "q"], check=True)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            alive = subprocess.run([*tmux, "has-session", "-t", "live"], capture_output=True)
            if alive.returncode != 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("q did not close the live view:\n" + _capture(sock))
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def test_sixteen_colour_terminal_tells_warn_from_error(tmp_path: Path) -> None:
    """TERM=xterm (16 colours): WARN and ERROR used to both come out bright red."""
    state = tmp_path / "state"
    log = state / "alert_log.jsonl"
    state.mkdir()
    log.write_text(
        "".join(
            f'{{"ts":"2026-03-01T10:00:0{i}.000Z","level":"{level}","event":"e2e.colour",'
            f'"message":"m{i}","details":{{"level":"error"}}}}\n'
            for i, level in enumerate(("info", "warning", "error", "info"))
        )
    )
    sock, tmux = _start_live(tmp_path, state, "xterm")
    try:
        _wait_for(sock, "4 entries")
        subprocess.run([*tmux, "send-keys", "-t", "live", "Down"], check=True)  # cursor off row 1
        time.sleep(0.3)
        raw = subprocess.run(
            [*tmux, "capture-pane", "-e", "-p", "-t", "live"], capture_output=True, text=True
        ).stdout
        codes = {}
        for word in ("ERROR", "WARN ", "INFO "):
            line = next(x for x in raw.splitlines() if word in x and "m3" not in x)
            before = line[: line.index(word)]
            codes[word] = before[before.rindex("\x1b[") :]  # the colour set just before the word
        assert len(set(codes.values())) == 3, codes
        assert "91m" in codes["ERROR"] and "93m" in codes["WARN "], codes
        # The level filter is exact in a real terminal too: errors only shows the one error.
        subprocess.run([*tmux, "send-keys", "-t", "live", "l", "l"], check=True)
        screen = _wait_for(sock, "1 of 4")
        assert sum("e2e.colour" in row for row in screen.splitlines()) == 1
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
