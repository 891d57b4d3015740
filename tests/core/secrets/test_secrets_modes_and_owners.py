"""Issue 9 item 9 (secrets side): folders we make are 0700 whatever the umask, and a config
that others can write never decides what /bin/sh runs through `password_command`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.smtp.client import SmtpClient
from alloy_tui.core.secrets import passwords as secrets


def mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_the_secrets_files_folders_are_0700_under_umask_000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_000: None
) -> None:
    state = tmp_path / "a" / "b" / "state"
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", str(state))
    path = secrets.store_password("smtp", "app@example.com", "pw-1")
    assert path.parent == state
    for folder in (tmp_path / "a", tmp_path / "a" / "b", state):
        assert mode(folder) == 0o700, folder
    assert mode(path) == 0o600


def test_store_removes_what_a_killed_write_left(tmp_path: Path) -> None:
    path = secrets.store_password("smtp", "app@example.com", "pw-1")
    left = [path.parent / ".secrets-k1ll3d.tmp", path.parent / ".secrets.toml.k1ll3d.tmp"]
    for p in left:
        p.write_text('[smtp]\n"app@example.com" = "pw-old"\n')
    secrets.store_password("smtp", "app@example.com", "pw-2")
    assert not any(p.exists() for p in left)
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.toml"]


def smtp_settings(marker: Path) -> Settings:
    return Settings(service="smtp").with_section(
        "smtp",
        host="mail.example.com",
        username="app@example.com",
        password_command=f"touch {marker}; echo pw",
    )


def config_in(folder: Path, file_mode: int, folder_mode: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "config.toml"
    cfg.write_text('service = "smtp"\n')
    os.chmod(cfg, file_mode)
    os.chmod(folder, folder_mode)
    return cfg


@pytest.mark.parametrize(
    ("file_mode", "folder_mode", "what"),
    [
        (0o620, 0o700, "config"),
        (0o602, 0o755, "config"),
        (0o600, 0o777, "folder"),
        (0o600, 0o1777, "folder"),
        (0o600, 0o770, "folder"),
    ],
)
def test_password_command_from_a_config_others_can_write_is_refused(
    tmp_path: Path, file_mode: int, folder_mode: int, what: str
) -> None:
    marker = tmp_path / "ran"
    cfg = config_in(tmp_path / "etc", file_mode, folder_mode)
    with pytest.raises(ExplainedError) as e:
        SmtpClient(smtp_settings(marker), cfg)._get_password()
    ex = e.value.explanation
    assert not marker.exists()  # nothing was run
    assert "password_command" in ex.cause and "writable" in ex.cause
    shown = cfg if what == "config" else cfg.parent
    assert str(shown) in ex.cause and f"chmod go-w {shown}" in ex.fix


def test_password_command_from_a_private_config_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    cfg = config_in(tmp_path / "etc", 0o600, 0o755)
    assert SmtpClient(smtp_settings(marker), cfg)._get_password() == "pw"
    assert marker.exists()
