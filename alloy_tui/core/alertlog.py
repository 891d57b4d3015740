"""The alert log: every send attempt, one JSON object per line, written by any process.

The parts live in ``alertlog_entry`` (shape, parsing, redaction), ``alertlog_writer`` (locked
appends, rotation, retention) and ``alertlog_reader`` (from the end, paging back, following).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alloy_tui.core.alertlog_entry import (
    LEVEL_SYMBOLS,
    LEVEL_WORDS,
    LEVELS,
    REDACTED,
    Entry,
    parse_line,
    redact,
)
from alloy_tui.core.alertlog_reader import AlertLogReader, Follower, FollowUpdate
from alloy_tui.core.alertlog_writer import AlertLogError, AlertLogWriter, archive_path
from alloy_tui.core.paths import alert_log_path
from alloy_tui.core.settings import Settings

__all__ = [
    "LEVELS",
    "LEVEL_SYMBOLS",
    "LEVEL_WORDS",
    "REDACTED",
    "AlertLogError",
    "AlertLogReader",
    "AlertLogWriter",
    "Entry",
    "FollowUpdate",
    "Follower",
    "archive_path",
    "log_path",
    "open_writer",
    "parse_line",
    "record",
    "redact",
]


def log_path(settings: Settings, config_path: Path) -> Path:
    """Where the alert log lives for these settings (``[alert_log] path``, else the state folder)."""
    return alert_log_path(settings.alert_log.path, config_path)


def open_writer(settings: Settings, config_path: Path) -> AlertLogWriter:
    cfg = settings.alert_log
    return AlertLogWriter(
        log_path(settings, config_path),
        max_bytes=cfg.max_bytes,
        keep=cfg.keep,
        retention_days=cfg.retention_days,
    )


def record(
    settings: Settings,
    config_path: Path,
    level: str,
    event: str,
    message: str,
    details: dict[str, Any],
) -> None:
    """Append one entry, best effort: a log that can't be written never hides the result of the
    sign-in or send it describes."""
    try:
        open_writer(settings, config_path).write(level, event, message, details)
    except OSError:
        pass
