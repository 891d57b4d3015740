"""`python3 -m alloy_tui` from a clone, by a Python without alloy-tui's dependencies (Debian's own
python3 before any install): one line saying how to install them, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alloy_tui.__main__ import missing_dependency

REPO = Path(__file__).resolve().parents[2]


def test_a_clone_without_its_dependencies_says_how_to_install_them() -> None:
    # -S: no site-packages (so no click, textual...), -E: no PYTHONPATH; the clone is the cwd.
    for argv in (["status"], ["sendmail", "-t"], ["--help"]):
        r = subprocess.run(
            [sys.executable, "-S", "-E", "-m", "alloy_tui", *argv],
            cwd=REPO, capture_output=True, text=True, input="", timeout=60,
        )  # fmt: skip
        assert r.returncode == 1, r
        assert "Traceback" not in r.stderr and r.stdout == ""
        (line,) = r.stderr.splitlines()
        assert line.startswith("alloy-tui: the Python package '"), line
        assert "Install on a server" in line and "pip install -e ." in line


def test_only_a_dependency_is_caught() -> None:
    assert missing_dependency(ModuleNotFoundError("x", name="click")) == "click"
    assert missing_dependency(ModuleNotFoundError("x", name="textual.app")) == "textual"
    assert missing_dependency(ModuleNotFoundError("x", name="alloy_tui.nothing")) is None
    assert missing_dependency(ModuleNotFoundError("x")) is None
