"""Only the system config's runner (or a config with [queue] maildrop set) takes a maildrop:
a runner of another config never reads one, so no drop is served by two accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import DEFAULT_MAILDROP, MaildropIntake, reads_maildrop
from alloy_tui.core.outbox import Outbox


def test_a_user_config_without_the_setting_reads_no_maildrop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_TUI_SYSTEM_CONFIG", str(tmp_path / "etc" / "config.toml"))
    own = tmp_path / "home" / "config.toml"
    assert not reads_maildrop(Settings(), own)
    watch = MaildropIntake(Settings(), own, Outbox(tmp_path / "queue"))
    assert watch.folder is None and watch.changed() is False
    assert watch.take().taken == 0 and not (tmp_path / "queue").exists()


def test_the_system_config_reads_the_default_one_and_any_config_its_own_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc" / "config.toml"
    system.parent.mkdir()
    system.write_text("")
    monkeypatch.setenv("ALLOY_TUI_SYSTEM_CONFIG", str(system))
    assert reads_maildrop(Settings(), system)
    assert MaildropIntake(Settings(), system, Outbox(tmp_path / "q")).folder == DEFAULT_MAILDROP
    own = tmp_path / "home" / "config.toml"
    s = Settings().with_section("queue", maildrop=str(tmp_path / "drop"))
    assert reads_maildrop(s, own)
    assert MaildropIntake(s, own, Outbox(tmp_path / "q")).folder == tmp_path / "drop"
