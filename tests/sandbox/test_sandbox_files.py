"""The sandbox never touches the admin's real files: everything it uses lives in its folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.config import paths
from alloy_tui.core.secrets import has_stored_password, store_password
from alloy_tui.sandbox.session import open_sandbox_session

ROOT = Path(__file__).resolve().parents[2]


def _tree(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


@pytest.fixture
def real_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is a temp folder and nothing points the state folder elsewhere: the platform's
    real default (~/.local/state/alloy-tui) is what a careless sandbox would write to."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("ALLOY_TUI_STATE_DIR", "ALLOY_TUI_CONFIG", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_the_exchange_server_password_stays_in_the_sandbox_folder(real_home: Path) -> None:
    before = _tree(real_home)
    with open_sandbox_session() as session:
        store_password("exchange-server", "CONTOSO\\svc-alerts", "Sandbox-Passw0rd")
        assert has_stored_password("exchange-server", "CONTOSO\\svc-alerts")
        assert paths.state_dir().is_relative_to(session.workdir)
        assert (paths.state_dir() / "secrets.toml").exists()
        assert os.environ["ALLOY_TUI_STATE_DIR"].startswith(str(session.workdir))
    assert _tree(real_home) == before == set()
    assert not (real_home / ".local" / "state" / "alloy-tui").exists()
    assert "ALLOY_TUI_STATE_DIR" not in os.environ  # put back as it was


def test_every_path_a_sandbox_command_uses_is_in_its_folder(real_home: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--sandbox", "config", "path", "--all"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rows = dict(line.split(":", 1) for line in out.stdout.splitlines())
    assert set(rows) >= {"config", "token cache", "alert log", "secrets"}
    folder = Path(rows["config"].split()[0]).parent
    assert folder.name.startswith("alloy-tui-sandbox-")
    for name, value in rows.items():
        assert Path(value.split()[0]).is_relative_to(folder), (name, value)
    assert _tree(real_home) == set()
