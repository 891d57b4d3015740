"""Appending to the alert log: safe with many processes, rotated by size, secrets redacted.

Each append opens the log with O_APPEND, takes an exclusive ``fcntl.flock`` on it, checks the
path still names the file it locked (another process may have rotated it meanwhile), rotates if
the line would push the file past ``max_bytes``, and writes the whole line with one ``os.write``.
The file is created 0600 and its folder (when we create it) 0700. Every file of the log is
opened, renamed and removed relative to a checked descriptor of its folder (`core.folders`:
never through a symlink; this user's folder, or root's such as /var/log), and the live file must
be a regular file of this user's with one name: a symlink swapped in, or a file another user
(root) left there, is an AlertLogError, never followed or appended to.

Rotation (under the same lock): ``alert_log.jsonl`` -> ``.1`` -> ``.2`` ... -> ``.keep``, the
oldest dropped; then archives are pruned of entries older than ``retention_days`` (0: no limit).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core import filelocks
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
        with self._folder() as dir_fd, self._locked(dir_fd) as fd:
            if os.fstat(fd).st_size == 0:
                return None
            self._rotate_locked(dir_fd)
            return archive_path(self.path, 1) if self.keep > 0 else None

    # -- internals ------------------------------------------------------------------------------
    def _append(self, data: bytes) -> None:
        with self._folder() as dir_fd, self._locked(dir_fd) as fd:
            size = os.fstat(fd).st_size
            if size > 0 and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a torn line left by a crash: never glue onto it
            if size > 0 and size + len(data) > self.max_bytes:
                self._rotate_locked(dir_fd)
                with self._open_locked(dir_fd) as new_fd:
                    _write_all(new_fd, data.lstrip(b"\n"), self.path)
                return
            _write_all(fd, data, self.path)

    @contextlib.contextmanager
    def _folder(self) -> Iterator[int]:
        """The log's folder as a checked descriptor (`core.folders`): made 0700 when missing,
        never reached through a symlink, this user's (or root's, as /var/log is). Every file of
        the log is opened, renamed and removed relative to it."""
        from alloy_tui.core import folders

        _make_folder(self.path.parent.parent)
        try:
            fd = folders.open_folder(
                self.path.parent,
                "the alert log's folder",
                create=0o700,
                allow_root=True,
                shared=True,
            )
        except folders.FolderCheckError as e:
            raise AlertLogError(f"cannot write the alert log {self.path}: {e}") from None
        except OSError as e:
            raise AlertLogError(
                f"cannot write the alert log {self.path}: {e.strerror or e}"
            ) from None
        try:
            yield fd
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _locked(self, dir_fd: int) -> Iterator[int]:
        """Open the log and hold an exclusive lock on the file the name holds right now."""
        for _ in range(1000):
            fd = self._open(dir_fd)
            try:
                filelocks.lock_fd(fd)
                try:
                    now = os.stat(self.path.name, dir_fd=dir_fd, follow_symlinks=False)
                    same = now.st_ino == os.fstat(fd).st_ino
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
    def _open_locked(self, dir_fd: int) -> Iterator[int]:
        fd = self._open(dir_fd)
        try:
            filelocks.lock_fd(fd)
            yield fd
        finally:
            os.close(fd)

    def _open(self, dir_fd: int) -> int:
        """The live log in its folder: never through a symlink, a regular file of this user's
        with one name (a file root or anyone else left there is refused, not appended to), or
        a character device such as /dev/null."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(self.path.name, flags, 0o600, dir_fd=dir_fd)
        except IsADirectoryError:
            raise AlertLogError(f"cannot write the alert log: {self.path} is a folder") from None
        except PermissionError:
            raise AlertLogError(
                f"cannot write the alert log {self.path}: permission denied"
            ) from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise AlertLogError(
                    f"cannot write the alert log {self.path}: it is a symbolic link, never "
                    "followed; remove it (the log is created again)"
                ) from None
            raise AlertLogError(f"cannot write the alert log {self.path}: {e.strerror}") from None
        st = os.fstat(fd)
        problem = ""
        if stat.S_ISCHR(st.st_mode):
            return fd  # /dev/null (or /dev/full): only root makes devices; written as they are
        if not stat.S_ISREG(st.st_mode):
            problem = "it is not a regular file"
        elif st.st_uid != os.geteuid():
            from alloy_tui.core.folders import who

            problem = (
                f"it is owned by {who(st.st_uid)}, not by {who(os.geteuid())} who writes the "
                "log; give it to that user (chown) or remove it"
            )
        elif st.st_nlink != 1:
            problem = "it has more than one name (a hard link); remove it"
        if problem:
            os.close(fd)
            raise AlertLogError(f"cannot write the alert log {self.path}: {problem}")
        return fd

    def _rotate_locked(self, dir_fd: int) -> None:
        """Shift the archives up by one and move the live file to .1. Caller holds the lock."""
        name = self.path.name
        if self.keep <= 0:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name, dir_fd=dir_fd)
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(archive_path(self.path, self.keep).name, dir_fd=dir_fd)
        for n in range(self.keep - 1, 0, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(
                    archive_path(self.path, n).name,
                    archive_path(self.path, n + 1).name,
                    src_dir_fd=dir_fd,
                    dst_dir_fd=dir_fd,
                )
        os.replace(name, archive_path(self.path, 1).name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        self._apply_retention(dir_fd)

    def _apply_retention(self, dir_fd: int) -> None:
        if self.retention_days <= 0:
            return
        cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
        for n in range(1, self.keep + 1):
            prune_archive(archive_path(self.path, n), cutoff, dir_fd=dir_fd)


def unsafe_problem(path: Path) -> str | None:
    """Why the writer would refuse the log at `path` for this user (its folder a symlink or
    another user's; the log a symlink, another user's file, or a hard link), as one sentence
    for `status --check`; None when it would write (or the log is not made yet)."""
    from alloy_tui.core import folders

    path = Path(path)
    try:
        dir_fd = folders.open_folder(
            path.parent, "the alert log's folder", allow_root=True, shared=True
        )
    except folders.FolderCheckError as e:
        return f"{e}; no entry can be written"
    except OSError:
        return None  # missing or unreadable: the places check says so
    try:
        st = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    if stat.S_ISLNK(st.st_mode):
        why = "is a symbolic link, never followed; remove it (the log is created again)"
    elif stat.S_ISREG(st.st_mode) and st.st_uid != os.geteuid():
        who = folders.who
        why = f"is owned by {who(st.st_uid)}, not by {who(os.geteuid())}; chown it or remove it"
    elif stat.S_ISREG(st.st_mode) and st.st_nlink != 1:
        why = "has more than one name (a hard link); remove it"
    else:
        return None
    return f"the alert log {path} {why}: no entry can be written"


def prune_archive(path: Path, cutoff: datetime, *, dir_fd: int | None = None) -> None:
    """Drop entries older than ``cutoff`` from an archive (delete it if nothing is left).

    Lines without a readable timestamp (malformed ones) are kept: we never drop what we can't date.
    Entries are in the order they were appended, so once one is young enough the rest of the file
    is copied as it is; the old part is read line by line, its time taken from the "ts" the writer
    puts first (a JSON parse only for lines in another shape). A 200 MB archive takes about a second.
    With ``dir_fd`` (the log's checked folder) every name is relative to it, never followed.
    """
    name = path.name if dir_fd is not None else str(path)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        rfd = os.open(name, flags, dir_fd=dir_fd)
    except OSError:
        return  # missing, or a symlink someone put there: not ours to rewrite
    if not stat.S_ISREG(os.fstat(rfd).st_mode):
        os.close(rfd)
        return
    with os.fdopen(rfd, "rb") as f:
        when = _line_time(f.readline())
        if when is None or when >= cutoff:
            return  # the oldest entry is young enough (or undatable): keep the whole archive
        tmp = f".{path.name}.{os.urandom(4).hex()}.tmp"
        kept = 0
        wflags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(
            tmp if dir_fd is not None else str(path.with_name(tmp)), wflags, 0o600, dir_fd=dir_fd
        )
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
            _unlink(tmp, path, dir_fd)
            raise
    if kept:
        src = tmp if dir_fd is not None else str(path.with_name(tmp))
        os.replace(src, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    else:
        _unlink(tmp, path, dir_fd)
        _unlink(path.name, path, dir_fd)


def _unlink(name: str, path: Path, dir_fd: int | None) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name if dir_fd is not None else str(path.with_name(name)), dir_fd=dir_fd)


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
