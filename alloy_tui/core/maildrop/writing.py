"""The submitting side's writing, kept light: any local user's sendmail runs it for every cron
job, so it imports only ``os`` and ``errno`` (and, for the header, the hand-off's own JSON
writer): no json, pathlib, typing or email. drop_file.py says why the folder and the steps are
as they are; this module does them.

``drop_bytes(folder, header, raw)``: ``.<uid>.<random>.tmp`` created O_CREAT|O_EXCL|O_NOFOLLOW
0640, the header line and the message written, fsynced, renamed to ``<uid>.<random>`` (only a
complete file ever carries a name without the dot), the folder made durable (fsync when this
user may open it, else syncfs). On any failure, a signal included, the temp file is removed; a
SIGKILL leaves at most the dotted temp file, which the runner never reads and removes after a
day.
"""

from __future__ import annotations

import errno
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MAILDROP_ENV = "ALLOY_TUI_MAILDROP"  # the submitting side's override (it can't read the config)
DEFAULT_FOLDER = "/var/spool/alloy-tui/maildrop"
MAGIC = b"alloy-maildrop "
VERSION = 1
EX_CANTCREAT = 73
EX_TEMPFAIL = 75
EX_CONFIG = 78
MAX_HEADER_BYTES = 64 * 1024  # the envelope line (the runner reads no further for it)
_TEMP_ERRNOS = (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EAGAIN)


class MaildropError(Exception):
    """A drop that did not happen; ``exit_code`` is sysexits (73, 75, 78), nothing was left."""

    def __init__(self, message: str, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(message)


def submit_path() -> str:
    """Where the submitting side drops: ``$ALLOY_TUI_MAILDROP``, else the default."""
    return os.environ.get(MAILDROP_ENV) or DEFAULT_FOLDER


def header_bytes(fields: dict[str, object]) -> bytes:
    """``alloy-maildrop 1 <JSON>\\n`` (ASCII JSON written by hand, as the outbox hand-off's)."""
    from alloy_tui.core.incoming import to_json

    return MAGIC + str(VERSION).encode() + b" " + to_json(fields).encode("ascii") + b"\n"


def drop_bytes(
    folder: str,
    header: bytes,
    raw: bytes,
    commit: Callable[[Callable[[], None]], None] | None = None,
) -> str:
    """Write one drop file; returns its name once durable. MaildropError (73 not writable, 75
    full, 78 no maildrop) with nothing left behind. `commit(publish)`: runs the rename and the
    folder sync (sendmail's signal guard blocks signals around it); None: runs it directly."""
    name = f"{os.getuid()}.{os.urandom(16).hex()}"  # 128 random bits; not `secrets` (9 ms)
    dfd = open_maildrop(folder)
    try:
        _write(dfd, folder, name, header, raw, commit)
    finally:
        os.close(dfd)
    return name


def open_maildrop(folder: str) -> int:
    """The maildrop folder itself, never through a symlink: root's sendmail drops into a folder
    in the service user's spool (`setup-system --user alloy`), and a `maildrop` entry swapped
    for a symlink must not steer it into /etc. Every file is then made relative to this
    descriptor (O_PATH: a user may search and write the folder but not read it)."""
    flags = os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_PATH", os.O_RDONLY)
    try:
        dfd = os.open(folder, flags)
    except OSError as e:
        if e.errno == errno.ELOOP or (e.errno == errno.ENOTDIR and os.path.islink(folder)):
            raise MaildropError(
                f"the maildrop {folder} is a symbolic link; sendmail never follows one there. Fix: "
                "as root, run `alloy-tui setup-system` (or point $ALLOY_TUI_MAILDROP at the "
                "real folder).",
                EX_CANTCREAT,
            ) from None
        raise _error(folder, e) from None
    return dfd


def _write(
    dfd: int,
    folder: str,
    name: str,
    header: bytes,
    raw: bytes,
    commit: Callable[[Callable[[], None]], None] | None,
) -> None:
    tmp = f".{name}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o640, dir_fd=dfd)
    except OSError as e:
        raise _error(folder, e) from None
    published = []
    try:
        try:
            os.fchmod(fd, 0o640)  # whatever the umask: the runner's group (the folder's) reads it
            for data in (header, raw):
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            os.fsync(fd)

            def publish() -> None:
                os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
                published.append(name)  # from here on, a failure removes the named file
                _sync_folder(dfd, fd)

            if commit is None:
                publish()
            else:
                commit(publish)
        finally:
            os.close(fd)
    except BaseException as e:
        try:
            os.unlink(published[0] if published else tmp, dir_fd=dfd)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _error(folder, e) from None
        raise


def _sync_folder(dfd: int, fd: int) -> None:
    """Make the rename durable: fsync the folder if we may open it, else sync the file system."""
    try:
        rfd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dfd)
    except OSError:
        _syncfs(fd)
        return
    try:
        os.fsync(rfd)
    finally:
        os.close(rfd)


def _syncfs(fd: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syncfs(fd) == 0:
            return
    except (OSError, AttributeError):
        pass
    os.sync()


def _error(folder: str, e: OSError) -> MaildropError:
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        return MaildropError(
            f"there is no maildrop folder at {folder}. Fix: as root, run `alloy-tui "
            "setup-system` (or point $ALLOY_TUI_MAILDROP at the maildrop).",
            EX_CONFIG,
        )
    from alloy_tui.core.fs import why

    if e.errno in _TEMP_ERRNOS:
        return MaildropError(
            f"the maildrop {folder} could not take the message: {why(e)}. Nothing was queued; "
            "free space on that disk, then send again.",
            EX_TEMPFAIL,
        )
    return MaildropError(
        f"the maildrop {folder} could not be written: {why(e)}. Nothing was queued; as root, "
        "run `alloy-tui setup-system` (it makes the maildrop mode 3733).",
        EX_CANTCREAT,
    )
