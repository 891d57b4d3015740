"""Which outbox a config means, and that outbox opened with its alert-log entries wired in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import paths, setting
from alloy_tui.core.outbox.spool import Outbox

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


def outbox_path(settings: Settings | Values, config_path: Path) -> Path:
    """``[queue] path``, else ``<state dir>/queue``; a relative path is next to the config file."""
    return paths.resolve_setting_path(setting(settings, "queue.path"), Path(config_path), "queue")


def open_outbox(settings: Settings | Values, config_path: Path) -> Outbox:
    """The configured outbox, writing mail.* entries to the configured alert log."""
    from alloy_tui.core import alertlog

    def log(level: str, event: str, message: str, details: dict[str, Any]) -> None:
        alertlog.record(settings, config_path, level, event, message, details)

    def log_many(entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        alertlog.record_many(settings, config_path, entries)

    return Outbox(outbox_path(settings, config_path), log=log, log_many=log_many)
