"""Issue 2 acceptance bits not covered elsewhere: --help/--version as the real program, the
config path precedence down to the platform folder, light start of `config` and `log`, the
exact Textual pin and the README's tour."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from alloy_tui import __version__

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["config", "log", "login", "logout", "status", "test-send", "send", "sandbox"]


def program(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alloy_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_version_and_help_as_the_real_program() -> None:
    v = program("--version")
    assert v.returncode == 0 and v.stdout.strip() == f"alloy-tui, version {__version__}"
    h = program("--help")
    assert h.returncode == 0 and h.stdout.startswith("Usage: alloy-tui")
    listed = h.stdout.split("Commands:", 1)[1]
    for name in COMMANDS:
        assert f"  {name} " in listed, name


def test_an_unknown_command_is_one_clear_error_without_traceback() -> None:
    r = program("frobnicate")
    assert r.returncode == 2 and "No such command" in r.stderr and "Traceback" not in r.stderr


def test_config_path_falls_back_to_the_platform_config_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ALLOY_TUI_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    r = program("config", "path", env=env)
    assert r.returncode == 0
    assert r.stdout.strip() == str(tmp_path / "xdg" / "alloy-tui" / "config.toml")
    env["ALLOY_TUI_CONFIG"] = str(tmp_path / "from-env.toml")
    assert program("config", "path", env=env).stdout.strip() == str(tmp_path / "from-env.toml")
    flag = program("--config", str(tmp_path / "flag.toml"), "config", "path", env=env)
    assert flag.stdout.strip() == str(tmp_path / "flag.toml")


def test_config_and_log_start_without_heavy_imports(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from alloy_tui import cli\n"
        "for argv in (['config', 'show'], ['config', 'validate'], ['log', '-n', '5']):\n"
        "    sys.argv = ['alloy-tui', *argv]\n"
        "    try:\n"
        "        cli.main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('textual', 'msal', 'httpx', 'exchangelib') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    env = dict(os.environ, ALLOY_TUI_CONFIG=str(tmp_path / "c.toml"))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert out.stdout.strip().splitlines()[-1] == "HEAVY=", out.stdout + out.stderr


def test_textual_is_pinned_exactly_and_there_is_a_test_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    textual = [d for d in project["dependencies"] if d.startswith("textual")]
    assert len(textual) == 1 and "==" in textual[0]
    assert "pytest" in " ".join(project["optional-dependencies"]["test"])
    assert project["scripts"]["alloy-tui"] == "alloy_tui.launch:main"


def test_readme_has_setup_tests_command_tour_and_file_locations() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e ." in readme and "pip install -e '.[test]'" in readme
    assert "python3 -m pytest" in readme
    for name in COMMANDS:
        assert f"alloy-tui {name}" in readme, name
    for where in ("config.toml", "token_cache.json", "alert_log.jsonl", "ALLOY_TUI_CONFIG"):
        assert where in readme, where
    ci = (ROOT / ".ci" / "run").read_text()
    assert "ruff check" in ci and "pytest" in ci
