"""The alert log: every send attempt, one JSON object per line, written by any process.

The parts: ``entry`` (shape, parsing, redaction), ``writer`` (locked appends, rotation,
retention), ``reader`` (from the end, paging back, following) and ``index`` (the offset index,
filters and searches the live screen pages through). Outside this package, import from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core import lazy_names
from alloy_tui.core.alertlog.writer import (
    DEFAULT_KEEP,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETENTION_DAYS,
    AlertLogError,
    AlertLogWriter,
    archive_path,
    unsafe_problem,
)
from alloy_tui.core.config import Values, alert_log_path, setting

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.alertlog.entry import MAX_PARSE_BYTES, Entry, parse_line
    from alloy_tui.core.alertlog.fields import (
        LEVEL_SYMBOLS,
        LEVEL_WORDS,
        LEVELS,
        REDACTED,
        parse_ts,
        redact,
    )
    from alloy_tui.core.alertlog.follow import Follower, FollowUpdate
    from alloy_tui.core.alertlog.index import (
        EVERY_LINE,
        LogFile,
        Rows,
        Verify,
        both,
        level_pattern,
        level_verifier,
        line_matches,
        scan_backwards,
        scan_matches,
        search_pattern,
        since_verifier,
    )
    from alloy_tui.core.alertlog.reader import AlertLogReader
    from alloy_tui.core.config import Settings

# Loaded on first use (PEP 562): a door (sendmail, for every cron job) only writes.
__getattr__ = lazy_names(
    globals(),
    {
        "fields": "LEVEL_SYMBOLS LEVEL_WORDS LEVELS REDACTED parse_ts redact",
        "entry": "MAX_PARSE_BYTES Entry parse_line",
        "follow": "Follower FollowUpdate",
        "index": (
            "EVERY_LINE LogFile Rows Verify both level_pattern level_verifier line_matches "
            "scan_backwards scan_matches search_pattern since_verifier"
        ),
        "reader": "AlertLogReader",
    },
)


__all__ = [
    "EVERY_LINE",
    "DEFAULT_KEEP",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETENTION_DAYS",
    "LEVELS",
    "MAX_PARSE_BYTES",
    "LEVEL_SYMBOLS",
    "LEVEL_WORDS",
    "REDACTED",
    "AlertLogError",
    "AlertLogReader",
    "AlertLogWriter",
    "Entry",
    "FollowUpdate",
    "Follower",
    "LogFile",
    "Rows",
    "Verify",
    "archive_path",
    "both",
    "level_pattern",
    "level_verifier",
    "line_matches",
    "log_path",
    "open_writer",
    "parse_line",
    "parse_ts",
    "record",
    "record_many",
    "redact",
    "scan_backwards",
    "scan_matches",
    "search_pattern",
    "since_verifier",
    "take_unwritten",
    "unsafe_problem",
]

_unwritten: list[str] = []  # why entries could not be written, for the command to warn about


def log_path(settings: Settings | Values, config_path: Path) -> Path:
    """Where the alert log lives for these settings (``[alert_log] path``, else the state folder)."""
    return alert_log_path(setting(settings, "alert_log.path"), config_path)


def open_writer(settings: Settings | Values, config_path: Path) -> AlertLogWriter:
    """The writer for these settings' alert log: its path and its rotation limits."""
    limits = settings if isinstance(settings, Values) else settings.alert_log
    return AlertLogWriter(log_path(settings, config_path), limits)


def record(
    settings: Settings | Values,
    config_path: Path,
    level: str,
    event: str,
    message: str,
    details: dict[str, Any],
) -> None:
    """Append one entry, best effort: a log that can't be written never hides the result of the
    sign-in or send it describes. Why it failed is kept for `take_unwritten` (the command warns)."""
    record_many(settings, config_path, [(level, event, message, details)])


def record_many(
    settings: Settings | Values,
    config_path: Path,
    entries: Sequence[tuple[str, str, str, dict[str, Any] | None]],
) -> None:
    """`record` for several entries (level, event, message, details) at once: one lock, one
    write (the SMTP listener's batches)."""
    try:
        open_writer(settings, config_path).write_many(entries)
    except (AlertLogError, OSError) as e:
        problem = str(e) if isinstance(e, AlertLogError) else f"cannot write the alert log: {e}"
        if problem not in _unwritten:
            _unwritten.append(problem)


def take_unwritten() -> list[str]:
    """Why alert-log entries of this process could not be written (each once), then forgets them."""
    problems = list(_unwritten)
    _unwritten.clear()
    return problems
