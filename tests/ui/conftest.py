"""Fixtures for the wizard's Pilot and snapshot tests: a real sandbox, configs pointing at it,
a frozen cursor blink, and a way to wait for the UI without fixed sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.sandbox.server import Sandbox
from tests.helpers.wizard import endpoints_toml


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Input cursor stays visible: snapshots do not depend on when they are taken."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture(autouse=True)
def _no_pending() -> Iterator[None]:
    """A password typed into a step waits in memory until the config is saved: none carries
    over to the next test."""
    yield
    from alloy_tui.core.secrets import passwords

    passwords.clear_pending()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox that approves each sign-in by itself after half a second."""
    with Sandbox(workdir=tmp_path / "sandbox", auto_approve_after=0.5) as sb:
        yield sb


@pytest.fixture
def sandbox_config(sandbox: Sandbox, tmp_path: Path) -> Path:
    """A config that points at the sandbox but has no tenant or client id yet."""
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(endpoints_toml(sandbox, tmp_path, ids=False), encoding="utf-8")
    return path
