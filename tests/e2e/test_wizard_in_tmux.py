"""The real program in a real terminal (tmux, 80x24): the whole wizard against `--sandbox`, and a
dropped SSH session (SIGHUP) that must leave the config file untouched."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.scripts import link_command
from tests.helpers.waiting import eventually, gone

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str, check: bool = True) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )
        return out.stdout

    def start(self, command: str, env: dict[str, str], width: int = 80, height: int = 24) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.run(
            "new-session",
            "-d",
            "-x",
            str(width),
            "-y",
            str(height),
            f"env {exports} {command}; echo EXIT=$?; sleep 120",
        )

    def keys(self, *keys: str) -> None:
        self.run("send-keys", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", check=False)

    def wait(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} did not appear within {timeout} s. Screen:\n{screen}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    t = Tmux(f"alloy-wizard-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield t
    finally:
        t.kill()


def program_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TERM": "xterm-256color",
        "ALLOY_TUI_CONFIG": os.environ["ALLOY_TUI_CONFIG"],
        "ALLOY_TUI_STATE_DIR": os.environ["ALLOY_TUI_STATE_DIR"],
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }


def alloy_tui() -> str:
    return f"{shlex.quote(sys.executable)} -m alloy_tui"


def test_whole_wizard_against_the_sandbox(tmux: Tmux, tmp_path: Path) -> None:
    tmux.start(f"{alloy_tui()} --sandbox", program_env(tmp_path))
    tmux.wait("Welcome", timeout=20)
    screen = tmux.wait("^Q Quit")  # the footer may come a frame after the body
    assert "Sandbox" in screen and "Esc Quit" in screen and "^Q Quit" in screen
    tmux.keys("Enter")
    tmux.wait("Step 1 of 8")
    tmux.keys("Enter")
    tmux.wait("Step 2 of 8")
    tmux.wait("Enter Next field")  # the footer says what Enter does in a field
    assert "✓ looks right" in tmux.wait("✓ looks right")
    tmux.keys("Enter", "Enter", "Enter")  # tenant -> client id -> cloud -> on
    tmux.wait("Step 3 of 8")
    tmux.keys("Enter")
    screen = tmux.wait("Step 4 of 8")
    assert "scan the QR code" in tmux.wait("Or scan the QR code")  # 80x24: the QR code fits
    screen = tmux.wait("Signed in as", timeout=30)  # the sandbox approves by itself after 3 s
    assert "alerts@contoso.example" in screen
    tmux.keys("Enter")
    tmux.wait("Step 5 of 8")
    tmux.keys("Space")  # delegation on: the whole PowerShell command, ready to copy
    tmux.wait('-GrantSendOnBehalfTo @{Add="alerts@contoso.example"}')
    assert "Set-Mailbox -Identity <user> `" in tmux.wait("^Y Copy command")
    tmux.keys("Enter")
    tmux.wait("Step 6 of 8")
    # typed in one go, as a fast typist or a paste over SSH: every key lands where it belongs
    tmux.type("bob@example.com")
    tmux.keys("Tab")
    tmux.type("ceo@contoso.example")
    tmux.keys("Enter")  # Enter in the last field sends
    tmux.wait("ErrorSendAsDenied", timeout=30)
    screen = tmux.wait("ceo@contoso.example  ")  # the field to fix, in sight, with the cursor
    assert "From (empty: the signed-in account)" in screen
    tmux.keys("C-u")
    tmux.type("helpdesk@contoso.example")
    tmux.keys("Enter")
    tmux.wait("Test message has been sent", timeout=30)
    tmux.wait("To:       bob@example.com")
    tmux.wait("alerts@contoso.example on behalf of helpdesk@contoso.example")
    tmux.keys("C-n")
    screen = tmux.wait("Step 7 of 8: Local mail for this server")  # optional, numbered
    assert link_command() in tmux.wait("^Y Copy command")
    tmux.type("ops@contoso.example")
    tmux.keys("Enter")
    screen = tmux.wait("Step 8 of 8")
    assert "A test message went through" in screen
    tmux.keys("Enter")
    tmux.wait("Settings saved to")
    tmux.keys("Enter")
    screen = tmux.wait("EXIT=", timeout=20)
    assert "Settings saved to" in screen and "EXIT=0" in screen
    assert "alloy-tui: settings saved" not in screen  # news, not an error


def test_dropped_session_leaves_config_untouched(tmux: Tmux, tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "config.toml"
    config.parent.mkdir()
    original = (
        '# production settings\nservice = "exchange-online"\n\n[exchange_online]\n'
        'tenant = "contoso.onmicrosoft.com"\nclient_id = "11111111-2222-3333-4444-555555555555"\n'
    )
    config.write_text(original, encoding="utf-8")
    pidfile = tmp_path / "pid"
    command = f"sh -c 'echo $$ > {shlex.quote(str(pidfile))}; exec {alloy_tui()} --config {shlex.quote(str(config))}'"
    tmux.start(command, program_env(tmp_path))
    tmux.wait("Edit mode", timeout=20)
    tmux.keys("Enter")
    tmux.wait("Step 1 of 8")
    tmux.keys("Down")
    tmux.keys("Enter")  # SMTP chosen: the draft now differs from the file, unsaved
    tmux.wait("Step 2 of")
    pid = int(pidfile.read_text())
    tmux.kill()  # the terminal goes away: the program gets SIGHUP
    if not eventually(lambda: gone(pid), 10):
        raise AssertionError("alloy-tui still running 10 s after its terminal closed")
    assert config.read_text(encoding="utf-8") == original
    assert sorted(p.name for p in config.parent.iterdir()) == ["config.toml"]


@pytest.mark.parametrize("how", ["hangup", "terminate"])
def test_sandbox_folder_removed_when_the_terminal_closes(
    tmux: Tmux, tmp_path: Path, how: str
) -> None:
    """`alloy-tui --sandbox` keeps everything in a temporary folder: a closed terminal (SIGHUP)
    or a `kill` (SIGTERM) must not leave it behind."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {**program_env(tmp_path), "TMPDIR": str(tmpdir)}
    pidfile = tmp_path / "pid"
    command = f"sh -c 'echo $$ > {shlex.quote(str(pidfile))}; exec {alloy_tui()} --sandbox'"
    tmux.start(command, env)
    tmux.wait("Welcome", timeout=20)
    tmux.keys("Enter")
    tmux.wait("Step 1 of 8")
    folders = [p.name for p in tmpdir.iterdir()]
    assert any(name.startswith("alloy-tui-sandbox-") for name in folders), folders
    pid = int(pidfile.read_text())
    if how == "hangup":
        tmux.kill()  # the terminal goes away: the program gets SIGHUP
    else:
        os.kill(pid, 15)
    if not eventually(lambda: gone(pid), 10):
        raise AssertionError(f"alloy-tui still running 10 s after {how}")
    assert [p.name for p in tmpdir.iterdir()] == []


@pytest.mark.parametrize("path", ["smtp", "exchange-server"])
def test_on_premises_paths_need_only_what_the_welcome_says(
    tmux: Tmux, tmp_path: Path, path: str
) -> None:
    """The SMTP and Exchange Server paths against the sandbox: everything but the password
    comes filled in (the welcome says the password), and a test message goes through."""
    import re

    tmux.start(f"{alloy_tui()} --sandbox", program_env(tmp_path), width=100, height=50)
    welcome = tmux.wait("user CONTOSO", timeout=20)
    port = re.search(r"SMTP server: 127\.0\.0\.1 port (\d+), STARTTLS", welcome)
    url = re.search(r"EWS URL (https://\S+)", welcome)
    creds = re.search(r"user (CONTOSO\\\S+), password (\S+)", welcome)
    assert port and url and creds, welcome
    tmux.keys("Enter")
    tmux.wait("Step 1 of 8")
    if path == "smtp":
        tmux.keys("Down", "Enter")
        screen = tmux.wait("Step 2 of 6: SMTP server")
        assert "127.0.0.1" in screen and port.group(1) in screen  # filled in
        tmux.keys("C-n")
        screen = tmux.wait("Step 3 of 6")
        assert "svc-alerts@contoso.example" in tmux.wait("svc-alerts@contoso.example")
    else:
        tmux.keys("Down", "Down", "Enter")
        screen = tmux.wait("Step 2 of 6: Exchange server")
        assert url.group(1) in screen  # filled in
        tmux.keys("C-n")
        tmux.wait("Step 3 of 6")
        assert creds.group(1) in tmux.wait(creds.group(1))
    time.sleep(1)  # the password fields come into the Tab order once a user name is there
    tmux.keys("Tab", "Tab")  # the password source (typed here) -> the password
    tmux.type(creds.group(2))
    tmux.wait("held in memory; saving writes it to the secrets file")
    if path == "exchange-server":
        tmux.keys("Tab")  # DOMAIN\user: the From is needed, and is filled in
        tmux.wait("svc-alerts@contoso.example")
    tmux.keys("C-n")
    tmux.wait("Step 4 of 6: Test settings")
    tmux.type("ops@contoso.example")
    tmux.keys("C-t")
    tmux.wait("Test message has been sent", timeout=30)
    tmux.keys("C-n")
    tmux.wait("Step 5 of 6: Local mail for this server")  # optional: skipped with ^N
    tmux.keys("C-n")
    tmux.wait("A test message went through")
    tmux.keys("Enter")
    tmux.wait("Settings saved to")
    tmux.keys("Enter")
    assert "EXIT=0" in tmux.wait("EXIT=", timeout=20)
    assert not (tmp_path / ".local").exists()  # HOME: no real state folder, no secrets file
