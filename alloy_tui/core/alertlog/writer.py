"""Appending to the alert log: safe with many processes, rotated by size, secrets redacted.

Each append opens the log with O_APPEND, takes an exclusive ``fcntl.flock`` on it, checks the
path still names the file it locked (another process may have rotated it meanwhile), rotates if
the line would push the file past ``max_bytes``, and writes the whole line with one ``os.write``.
The file is created 0600 and its folder (when we create it) 0700.

Rotation (under the same lock): ``alert_log.jsonl`` -> ``.1`` -> ``.2`` ... -> ``.keep``, the
oldest dropped; then archives are pruned of entries older than ``retention_days`` (0: no limit).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.alertlog.fields import LEVELS, now_ts, parse_ts, redact, redact_text
from alloy_tui.core.config import DEFAULTS, Values
from alloy_tui.core.errors import AlloyError
from alloy_tui.core.terminal_text import json_text

if TYPE_CHECKING:
    from alloy_tui.core.config import AlertLog

DEFAULT_MAX_BYTES: int = DEFAULTS["alert_log"]["max_bytes"]
DEFAULT_KEEP: int = DEFAULTS["alert_log"]["keep"]
DEFAULT_RETENTION_DAYS: int = DEFAULTS["alert_log"]["retention_days"]

EntryArgs = tuple[str, str, str, "dict[str, Any] | None"]  # level, event, message, details
_EVENT_RE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


class AlertLogError(AlloyError):
    """The alert log could not be written (permissions, a folder in the way, disk full)."""


def _limits(settings: AlertLog | Values | None) -> tuple[int, int, int]:
    """(max_bytes, keep, retention_days) of an [alert_log] section or a config's Values."""
    if settings is None:
        return DEFAULT_MAX_BYTES, DEFAULT_KEEP, DEFAULT_RETENTION_DAYS
    if isinstance(settings, Values):
        names = ("max_bytes", "keep", "retention_days")
        a, b, c = (settings.number(f"alert_log.{name}") for name in names)
        return a, b, c
    return settings.max_bytes, settings.keep, settings.retention_days


def archive_path(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.{n}")


class AlertLogWriter:
    def __init__(self, path: Path, settings: AlertLog | Values | None = None) -> None:
        """The log at ``path``, rotated and pruned as ``settings`` (the ``[alert_log]`` section,
        or a config's Values) say; its defaults when None. (The section's ``path`` is not used:
        ``path`` is where.)"""
        self.path = Path(path)
        self.max_bytes, self.keep, self.retention_days = _limits(settings)

    # -- public ---------------------------------------------------------------------------------
    def write(
        self, level: str, event: str, message: str, details: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Append one entry and return it (as written, redacted)."""
        [entry] = self.write_many([(level, event, message, details)])
        return entry

    def write_many(self, items: Sequence[EntryArgs]) -> list[dict[str, Any]]:
        """Append several entries (level, event, message, details) with one lock and one write,
        in that order, and return them as written. ValueError (nothing written) if one is bad."""
        entries = [self._entry(*item) for item in items]
        lines = [json_text(e, separators=(",", ":"), default=str) + "\n" for e in entries]
        if lines:
            self._append("".join(lines).encode("utf-8", errors="replace"))
        return entries

    @staticmethod
    def _entry(
        level: str, event: str, message: str, details: dict[str, Any] | None
    ) -> dict[str, Any]:
        if level not in LEVELS:
            raise ValueError(f"alert log level must be one of {', '.join(LEVELS)}, got {level!r}")
        if not _EVENT_RE.match(event or ""):
            raise ValueError(
                f"alert log event must be dotted words like 'test_message.sent', got {event!r}"
            )
        return {
            "ts": now_ts(),
            "level": level,
            "event": event,
            "message": redact_text(" ".join(str(message).split())),
            "details": redact(dict(details or {})),
        }

    def rotate(self) -> Path | None:
        """Archive the current log now (the screen's "clear"). Returns the archive, if any."""
        with self._locked() as fd:
            if os.fstat(fd).st_size == 0:
                return None
            self._rotate_locked()
            return archive_path(self.path, 1) if self.keep > 0 else None

    # -- internals ------------------------------------------------------------------------------
    def _append(self, data: bytes) -> None:
        with self._locked() as fd:
            size = os.fstat(fd).st_size
            if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a torn line left by a crash: never glue onto it
            if size > 0 and size + len(data) > self.max_bytes:
                self._rotate_locked()
                with self._open_locked() as new_fd:
                    _write_all(new_fd, data.lstrip(b"\n"), self.path)
                return
            _write_all(fd, data, self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        """Open the log and hold an exclusive lock on the file the path names right now."""
        for _ in range(1000):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:  # rotated while we waited: lock the new file instead
                    os.close(fd)
                    fd = -1
                    continue
                yield fd
                return
            finally:
                if fd >= 0:
                    os.close(fd)  # closing releases the lock
        raise AlertLogError(f"cannot lock the alert log {self.path}: it keeps being replaced")

    @contextlib.contextmanager
    def _open_locked(self) -> Iterator[int]:
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)

    def _open(self) -> int:
        _make_folder(self.path.parent)
        try:
            return os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except IsADirectoryError:
            raise AlertLogError(f"cannot write the alert log: {self.path} is a folder") from None
        except PermissionError:
            raise AlertLogError(
                f"cannot write the alert log {self.path}: permission denied"
            ) from None
        except OSError as e:
            raise AlertLogError(f"cannot write the alert log {self.path}: {e.strerror}") from None

    def _rotate_locked(self) -> None:
        """Shift the archives up by one and move the live file to .1. Caller holds the lock."""
        if self.keep <= 0:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        with contextlib.suppress(FileNotFoundError):
            archive_path(self.path, self.keep).unlink()
        for n in range(self.keep - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(archive_path(self.path, n), archive_path(self.path, n + 1))
        os.replace(self.path, archive_path(self.path, 1))
        self._apply_retention()

    def _apply_retention(self) -> None:
        if self.retention_days <= 0:
            return
        cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
        for n in range(1, self.keep + 1):
            prune_archive(archive_path(self.path, n), cutoff)


def prune_archive(path: Path, cutoff: datetime) -> None:
    """Drop entries older than ``cutoff`` from an archive (delete it if nothing is left).

    Lines without a readable timestamp (malformed ones) are kept: we never drop what we can't date.
    Entries are in the order they were appended, so once one is young enough the rest of the file
    is copied as it is; the old part is read line by line, its time taken from the "ts" the writer
    puts first (a JSON parse only for lines in another shape). A 200 MB archive takes about a second.
    """
    try:
        f = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return
    with f:
        when = _line_time(f.readline())
        if when is None or when >= cutoff:
            return  # the oldest entry is young enough (or undatable): keep the whole archive
        tmp = path.with_name(path.name + ".tmp")
        kept = 0
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                f.seek(0)
                for line in f:
                    when = _line_time(line)
                    if when is None:
                        out.write(line)
                        kept += 1
                    elif when >= cutoff:
                        out.write(line)
                        kept += 1
                        shutil.copyfileobj(f, out, 1024 * 1024)  # the young rest, as it is
                        break
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    if kept:
        os.replace(tmp, path)
    else:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


# The "ts" the writer puts first, e.g. {"ts":"2026-05-01T12:34:56.789Z",...
_TS_PREFIX_RE = re.compile(rb'[ \t\r]*\{[ \t\r]*"ts"[ \t\r]*:[ \t\r]*"([0-9:.+TZ\-]{10,40})"')


def _line_time(line: bytes) -> datetime | None:
    m = _TS_PREFIX_RE.match(line)
    if m is not None:
        when = parse_ts(m.group(1).decode("ascii"))
        if when is not None:
            return when
    from alloy_tui.core.alertlog.entry import parse_line  # only when pruning

    return parse_ts(parse_line(line).ts)


def _make_folder(folder: Path) -> None:
    """The log's folder and any missing parents, each 0700 (`fs.make_folder`)."""
    from alloy_tui.core.fs import FolderError, make_folder

    try:
        make_folder(folder)
    except FolderError as e:
        raise AlertLogError(f"cannot create the alert log folder: {e}") from None


def _write_all(fd: int, data: bytes, path: Path) -> None:
    view = memoryview(data)
    try:
        while view:
            n = os.write(fd, view)  # one call for the whole line in practice
            view = view[n:]
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise AlertLogError(f"cannot write the alert log {path}: the disk is full") from None
        raise AlertLogError(f"cannot write the alert log {path}: {e.strerror}") from None
