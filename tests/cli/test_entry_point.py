"""The entry point sends only the bare wizard forms down the fast path; all else to click."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alloy_tui.launch import wizard_config


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], (True, None)),
        (["--config", "/etc/a.toml"], (True, "/etc/a.toml")),
        (["--config=/etc/a.toml"], (True, "/etc/a.toml")),
        (["--sandbox"], (False, None)),
        (["--config", "--sandbox"], (False, None)),
        (["--config", "a.toml", "status"], (False, None)),
        (["status"], (False, None)),
        (["--help"], (False, None)),
        (["--config"], (False, None)),
    ],
)
def test_wizard_config(argv: list[str], expected: tuple[bool, str | None]) -> None:
    assert wizard_config(argv) == expected


def test_entry_point_runs_click_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--version"], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0 and "alloy-tui, version" in out.stdout


def test_fast_path_does_not_load_click_before_the_wizard() -> None:
    code = (
        "import sys\n"
        "import alloy_tui.launch, alloy_tui.commands.context, alloy_tui.core.config.paths, alloy_tui.exits\n"
        "print('click' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("args", [[], ["--sandbox"]])
def test_wizard_without_a_terminal_says_so(args: list[str]) -> None:
    """Cron or a pipe running bare `alloy-tui`: one clear line, exit 2, no escape codes."""
    import os

    env = {**os.environ, "TERM": "xterm-256color"}  # a real TERM: only the missing tty is tested
    out = subprocess.run(
        [sys.executable, "-m", "alloy_tui", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert out.returncode == 2
    assert "needs a terminal" in out.stderr and "alloy-tui status" in out.stderr
    assert "\x1b" not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_wizard_with_term_dumb_says_so() -> None:
    import os

    env = {**os.environ, "TERM": "dumb"}
    out = subprocess.run(
        [sys.executable, "-m", "alloy_tui"], capture_output=True, text=True, timeout=30, env=env
    )
    assert out.returncode == 2
    assert "TERM=dumb" in out.stderr or "needs a terminal" in out.stderr
    assert "\x1b" not in out.stdout


def test_wizard_path_loads_no_command_line_machinery_before_the_app_runs(tmp_path) -> None:
    """Up to the moment the wizard App starts, neither click nor a heavy library is loaded."""
    code = (
        "import sys, os\n"
        "sys.stdin.isatty = lambda: True\n"  # the check for a terminal is not what is tested here
        "sys.stdout.isatty = lambda: True\n"
        "import alloy_tui.ui.app as ui_app\n"
        "def fake_run(self, *a, **k):\n"
        "    bad = [m for m in ('click', 'msal', 'httpx', 'exchangelib', 'tomlkit') if m in sys.modules]\n"
        "    print('LOADED=' + ','.join(bad))\n"
        "    return None\n"
        "ui_app.AlloyApp.run = fake_run\n"
        f"sys.argv = ['alloy-tui', '--config', {str(tmp_path / 'c.toml')!r}]\n"
        "from alloy_tui.launch import main\n"
        "main()\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TERM"}
    env["TERM"] = "xterm-256color"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=env
    )
    assert "LOADED=" in out.stdout, out.stdout + out.stderr
    assert out.stdout.strip().endswith("LOADED="), out.stdout
