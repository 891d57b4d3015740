"""The maildrop intake's tests: a maildrop folder as setup-system makes it, and one intake pass
into a fresh outbox whose alert-log entries are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.maildrop import intake
from alloy_tui.core.outbox import Outbox
from tests.helpers.recording_log import Log


def new_maildrop(tmp_path: Path) -> Path:
    """<tmp_path>/maildrop, 3733 (sticky, setgid, anyone may drop, only the owner lists)."""
    d = tmp_path / "maildrop"
    d.mkdir()
    d.chmod(0o3733)
    return d


def intake_into(folder: Path, tmp_path: Path, s: Settings) -> tuple[Outbox, Log, Any]:
    """One intake pass from `folder` into <tmp_path>/queue: the outbox, its log, the summary."""
    log = Log()
    box = Outbox(tmp_path / "queue", log=log)
    summary = intake(folder, box, s, tmp_path / "config.toml", log)
    return box, log, summary
