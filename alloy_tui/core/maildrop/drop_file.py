"""The submitting side: any local user writes one message into the maildrop folder.

Why this is private: the folder is mode 3733 (setup-system makes it so), like postfix's
maildrop plus the set-group-ID bit. Everyone may create files in it (w+x) but nobody except its
owner may list it (no r for group or others), and the sticky bit lets nobody but a file's owner
(and the folder's owner) rename or remove it. A drop file's name ends in 128 random bits, so
another user can neither see it nor guess it. And the file is 0640 in the folder's group (the
set-group-ID bit gives every new file the folder's group, the runner's): even a user who knew
the name could not read it, while a runner that is not root still can (root reads it anyway).

The steps: ``.<uid>.<random>.tmp`` created with O_CREAT|O_EXCL|O_NOFOLLOW (a planted symlink or
an existing name is never written through), the bytes written and fsynced, the file renamed to
``<uid>.<random>`` (only complete files ever carry a name without the dot), then the folder
made durable. The submitting user cannot open the folder (no r) to fsync it, so then the whole
file system is synced (syncfs(2) on the file, else sync(2)). On any failure the temp file is
removed: nothing half-written is ever left visible.

The file: one header line, then the message exactly as read (``-i`` already applied: without
it, a lone "." line has already ended the message; that is a property of how stdin was read).
The header is ``alloy-maildrop 1 <JSON>\\n``: the envelope as given on the command line and not
applied yet (argument recipients, ``-t``, ``-f``, ``-F``; the DSN requests as ``dsn``, when
any), because applying them needs the config (aliases, the admin address, the account), which
only the runner can read. ``sendmail -bs`` without the config writes the same files: its RCPT
TO addresses as the recipients, MAIL FROM as ``envelope_from`` ("<>" for the null sender).
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

MAILDROP_ENV = "ALLOY_TUI_MAILDROP"  # the submitting side's override (it can't read the config)
DEFAULT_MAILDROP = Path("/var/spool/alloy-tui/maildrop")
MAGIC = b"alloy-maildrop "
VERSION = 1
MAX_HEADER_BYTES = 64 * 1024  # the envelope line; recipients on a command line fit easily
EX_CANTCREAT = 73
EX_TEMPFAIL = 75
EX_CONFIG = 78
# The delivery status requests a drop may carry (sendmail's -N/-R/-V, -bs's DSN parameters),
# recorded in the message's details by the runner, never acted on.
DSN_KEYS = ("dsn_notify", "dsn_ret", "dsn_envid", "dsn_orcpt")
MAX_DSN_CHARS = 4096
_TEMP_ERRNOS = (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EAGAIN)


class MaildropError(Exception):
    """A drop that did not happen; ``exit_code`` is sysexits (73, 75, 78), nothing was left."""

    def __init__(self, message: str, exit_code: int) -> None:
        self.exit_code = exit_code
        super().__init__(message)


class HeaderError(ValueError):
    """A drop file whose header line can't be read; the message says what is wrong."""


class Envelope(NamedTuple):
    """sendmail's command line as given: applied by the runner with the config. (A NamedTuple:
    this is the submitting side of sendmail, which runs for every cron job.)"""

    recipients: tuple[str, ...] = ()  # the argument recipients
    read_headers: bool = False  # -t
    envelope_from: str = ""  # -f ("<>": a null sender)
    full_name: str = ""  # -F
    dsn: tuple[tuple[str, str], ...] = ()  # -N/-R/-V, or -bs's RET/ENVID/NOTIFY/ORCPT: recorded


def submit_folder() -> Path:
    """Where the submitting side drops: ``$ALLOY_TUI_MAILDROP``, else the default."""
    return Path(os.environ.get(MAILDROP_ENV) or DEFAULT_MAILDROP)


def header_line(envelope: Envelope) -> bytes:
    body: dict[str, Any] = {
        "recipients": list(envelope.recipients),
        "read_headers": envelope.read_headers,
        "envelope_from": envelope.envelope_from,
        "full_name": envelope.full_name,
    }
    if envelope.dsn:  # only when given: a file without it reads the same to any runner
        body["dsn"] = dict(envelope.dsn)
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return MAGIC + str(VERSION).encode() + b" " + text.encode() + b"\n"


def parse(data: bytes) -> tuple[Envelope, bytes]:
    """(the envelope, the raw message) of a drop file's bytes; HeaderError if unreadable."""
    end = data.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0:
        raise HeaderError(f"no header line in the first {MAX_HEADER_BYTES} bytes")
    line = data[:end]
    if not line.startswith(MAGIC):
        raise HeaderError(f"the first line does not start with {MAGIC.decode().strip()!r}")
    version, _, text = line[len(MAGIC) :].partition(b" ")
    if version != str(VERSION).encode():
        raise HeaderError(f"unknown format version {version[:20].decode('latin-1')!r}")
    try:
        fields = json.loads(text)
    except ValueError:
        raise HeaderError("the envelope is not JSON") from None
    except RecursionError:  # [[[[... nested past the interpreter's limit, from any local user
        raise HeaderError("the envelope is JSON nested too deep to read") from None
    return _envelope(fields), data[end + 1 :]


def _envelope(fields: Any) -> Envelope:
    if not isinstance(fields, dict):
        raise HeaderError("the envelope is not a JSON object")
    recipients = fields.get("recipients", [])
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise HeaderError("the envelope's recipients are not a list of text")
    read_headers = fields.get("read_headers", False)
    if not isinstance(read_headers, bool):
        raise HeaderError("the envelope's read_headers is not true/false")
    texts = [fields.get(k, "") for k in ("envelope_from", "full_name")]
    if not all(isinstance(t, str) for t in texts):
        raise HeaderError("the envelope's envelope_from or full_name is not text")
    dsn = fields.get("dsn", {})
    if not isinstance(dsn, dict) or not all(
        k in DSN_KEYS and isinstance(v, str) and len(v) <= MAX_DSN_CHARS for k, v in dsn.items()
    ):
        raise HeaderError(f"the envelope's dsn is not a table of {', '.join(DSN_KEYS)}")
    return Envelope(tuple(recipients), read_headers, texts[0], texts[1], tuple(sorted(dsn.items())))


def drop(folder: Path, raw: bytes, envelope: Envelope) -> str:
    """Write one message into the maildrop; returns its file name once durable.
    MaildropError (73 not writable, 75 full, 78 no maildrop) with nothing left behind."""
    name = f"{os.getuid()}.{os.urandom(16).hex()}"  # 128 random bits; not `secrets` (9 ms)
    dfd = open_maildrop(Path(folder))
    try:
        _write(dfd, Path(folder), name, header_line(envelope) + raw)
    finally:
        os.close(dfd)
    return name


def open_maildrop(folder: Path) -> int:
    """The maildrop folder itself, never through a symlink: root's sendmail drops into a folder
    in the service user's spool (`setup-system --user alloy`), and a `maildrop` entry swapped
    for a symlink must not steer it into /etc. Every file is then made relative to this
    descriptor (O_PATH: a user may search and write the folder but not read it)."""
    flags = os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | getattr(os, "O_PATH", os.O_RDONLY)
    try:
        dfd = os.open(folder, flags)
    except OSError as e:
        if e.errno == errno.ELOOP or (e.errno == errno.ENOTDIR and folder.is_symlink()):
            raise MaildropError(
                f"the maildrop {folder} is a symbolic link; sendmail never follows one there. Fix: "
                "as root, run `alloy-tui setup-system` (or point $ALLOY_TUI_MAILDROP at the "
                "real folder).",
                EX_CANTCREAT,
            ) from None
        raise _error(folder, e) from None
    return dfd


def _write(dfd: int, folder: Path, name: str, data: bytes) -> None:
    tmp, final = f".{name}.tmp", name
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o640, dir_fd=dfd)
    except OSError as e:
        raise _error(folder, e) from None
    try:
        try:
            os.fchmod(fd, 0o640)  # whatever the umask: the runner's group (the folder's) reads it
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            os.rename(tmp, final, src_dir_fd=dfd, dst_dir_fd=dfd)
            tmp = final  # from here on, a failure removes the named file
            _sync_folder(dfd, fd)
        finally:
            os.close(fd)
    except BaseException as e:
        try:
            os.unlink(tmp, dir_fd=dfd)
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


def _error(folder: Path, e: OSError) -> MaildropError:
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
