"""Shared fixtures. Every test runs with its own config and state folders, never the admin's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point config and state at a temp folder so no test can touch real settings."""
    monkeypatch.setenv("ALLOY_TUI_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("ALLOY_TUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("NO_COLOR", "1")
    # the wizard offers to take over a relay it finds under / : never this machine's in tests
    monkeypatch.setenv("ALLOY_TUI_RELAY_ROOT", str(tmp_path / "no-relays"))
    yield


@pytest.fixture
def umask_000() -> Iterator[None]:
    """The process's umask 000 for the test: modes must come from the code, not the umask."""
    import os

    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)
