"""A config nested absurdly deep is a clear ConfigError naming the file, never a RecursionError
(tomllib and tomlkit recurse once per level; the settings never nest more than a few)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.config import ConfigError, store


def _deep(kind: str, depth: int) -> str:
    if kind == "array":
        return "[alert_log]\nx = " + "[" * depth + "]" * depth + "\n"
    if kind == "inline-table":
        return "[alert_log]\nx = " + "{a = " * depth + "1" + "}" * depth + "\n"
    return "[" + ".".join(["a"] * depth) + "]\n"  # dotted table header: deep, but not recursive


@pytest.mark.parametrize("kind", ["array", "inline-table", "table"])
@pytest.mark.parametrize("depth", [40, 500, 5000])
def test_deep_nesting_is_a_config_error_naming_the_file(
    tmp_path: Path, kind: str, depth: int
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(_deep(kind, depth))
    for strict in (True, False):
        with pytest.raises(ConfigError) as info:
            store.load(path, strict=strict)
        assert str(path) in str(info.value)
        assert "nested" in str(info.value)


def test_ordinary_nesting_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[smtp]\nhost = "relay.example.com"\n[extra]\nx = [[1, [2, [3]]], {a = {b = 1}}]\n'
    )
    loaded = store.load(path)
    assert loaded.settings.smtp.host == "relay.example.com"
    assert loaded.data["extra"]["x"][0][1] == [2, [3]]


@pytest.mark.parametrize(
    "command", [["config", "validate"], ["config", "show"], ["log", "-n", "5"], ["status"]]
)
def test_commands_exit_2_with_one_line_for_a_deep_config(command: list[str]) -> None:
    path = Path(os.environ["ALLOY_TUI_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_deep("array", 500))
    proc = subprocess.run(
        [sys.executable, "-m", "alloy_tui", *command], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert str(path) in proc.stderr and "nested" in proc.stderr
