"""Issue 20 (gap 3): the secrets file is opened relative to the checked state folder: a symlink
put in place of the file or of the folder never makes alloy-tui read passwords from, or write
them to, somewhere else; a state folder others may write is refused. Run as root (CI): the
sentinel files are root's and 0600, so only the checks stop them being read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.secrets import passwords as secrets

SENTINEL = '[smtp]\n"app@example.com" = "from-the-sentinel"\n'


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", str(folder))
    return folder


def sentinel(tmp_path: Path) -> Path:
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    target = tmp_path / "elsewhere" / "secrets.toml"
    target.write_text(SENTINEL)
    target.chmod(0o600)
    return target


def test_a_symlinked_secrets_file_is_refused_and_its_target_untouched(
    state: Path, tmp_path: Path
) -> None:
    target = sentinel(tmp_path)
    (state / "secrets.toml").symlink_to(target)
    with pytest.raises(ExplainedError, match="is a symbolic link"):
        secrets.load_password("smtp", "app@example.com")
    with pytest.raises(ExplainedError, match="is a symbolic link"):
        secrets.store_password("smtp", "app@example.com", "new")
    assert target.read_text() == SENTINEL


def test_a_symlinked_state_folder_is_refused(state: Path, tmp_path: Path) -> None:
    target = sentinel(tmp_path)
    state.rmdir()
    state.symlink_to(target.parent)
    with pytest.raises(ExplainedError, match="is a symbolic link"):
        secrets.load_password("smtp", "app@example.com")
    with pytest.raises(ExplainedError, match="is a symbolic link"):
        secrets.store_password("smtp", "app@example.com", "new")
    assert target.read_text() == SENTINEL and sorted(os.listdir(target.parent)) == ["secrets.toml"]


def test_a_state_folder_others_may_write_is_refused(state: Path) -> None:
    secrets.store_password("smtp", "app@example.com", "pw")
    state.chmod(0o777)  # anyone could swap the file between a check and the open
    with pytest.raises(ExplainedError, match="writable by everyone"):
        secrets.load_password("smtp", "app@example.com")
    state.chmod(0o700)
    assert secrets.load_password("smtp", "app@example.com") == "pw"


def test_a_fifo_in_place_of_the_file_is_refused_without_hanging(state: Path) -> None:
    os.mkfifo(state / "secrets.toml", 0o600)
    with pytest.raises(ExplainedError, match="not a regular file"):
        secrets.load_password("smtp", "app@example.com")
