"""sendmail's side of the hand-off: the message as read, into ``<outbox>/incoming/``, durable.

This runs for every cron job, so it imports nothing but ``os``, ``errno`` and ``time`` (no
pathlib, typing, json or email: `tests/cli/test_sendmail_handoff.py` checks). The steps:

1. the outbox folder is opened ``O_DIRECTORY|O_NOFOLLOW`` and checked on its descriptor (this
   user's, writable by it alone; anything else, or no outbox yet, goes the slow way:
   `Outbox.ensure()` makes it or says why not, with the same words as every command);
2. ``incoming/`` relative to it, the same way (made 0700 when missing, the outbox fsynced);
3. ``.<name>.tmp`` created ``O_EXCL|O_NOFOLLOW`` 0600 in it: the header line (the command
   line's facts, `header_line`), then the message exactly as read; fsynced;
4. with the signals blocked (`commit`): renamed to ``<name>`` and the folder fsynced. A failed
   folder fsync takes the file back (75), unless a runner already took it (then it is queued).

``<name>`` is a queue id (``20261202T043512-3f9a1c7e``): the runner queues the message under
that very id, so a runner killed between queueing it and removing the file never queues it twice
(`core/incoming/intake.py`). A temp file left by a killed sendmail is never read (its name
starts with a dot) and is removed by the runner after a day.
"""

from __future__ import annotations

import errno
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

INCOMING = "incoming"
MAGIC = b"alloy-handoff "
VERSION = 1
EX_CANTCREAT = 73
MAX_HEADER_BYTES = 64 * 1024  # the header line (the runner reads no further for it)
EX_TEMPFAIL = 75
_TEMP_ERRNOS = (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EAGAIN, errno.EIO)
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class IncomingError(Exception):
    """The hand-off could not be written; ``exit_code`` 73 or 75; ``permission``: because this
    user may not write there (sendmail then tries the maildrop). Nothing was left behind."""

    def __init__(self, message: str, exit_code: int, *, permission: bool = False) -> None:
        self.exit_code = exit_code
        self.permission = permission
        super().__init__(message)


class SlowPath(Exception):
    """The outbox is not there yet, or not as expected: `Outbox` decides (makes it, or says)."""


def new_name(now: float) -> str:
    """A queue id, sortable by time: 20261202T043512-3f9a1c7e (as outbox.model.new_id)."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + "-" + os.urandom(4).hex()


def _json_text(text: str) -> str:
    """A JSON string, ASCII only (no json import: a third of a millisecond on every cron job).
    Lone surrogates (an argument that was not UTF-8) are kept as \\udcXX, as json.dumps does."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _json(value: object) -> str:
    if value is True or value is False or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _json_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(_json_text(str(k)) + ":" + _json(v) for k, v in value.items()) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


to_json = _json  # the maildrop's drop side writes its header line with it too


def header_line(fields: dict[str, object]) -> bytes:
    """``alloy-handoff 1 <JSON>\\n``: what the runner needs besides the message."""
    return MAGIC + str(VERSION).encode() + b" " + _json(fields).encode("ascii") + b"\n"


def _checked(fd: int) -> None:
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022 or (st.st_mode & 0o170000) != 0o040000:
        raise SlowPath()


def open_checked_outbox(outbox: str) -> int:
    """The checked outbox folder (SlowPath: missing, or anything `Outbox` must say)."""
    try:
        fd = os.open(outbox, _DIR)
    except OSError:
        raise SlowPath() from None
    return _kept_if_checked(fd)


def _kept_if_checked(fd: int) -> int:
    """`fd` when `_checked` passes; closed before whatever it raised goes on."""
    try:
        _checked(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _incoming(root: int, outbox: str) -> int:
    try:
        fd = os.open(INCOMING, _DIR, dir_fd=root)
    except FileNotFoundError:
        try:
            os.mkdir(INCOMING, 0o700, dir_fd=root)
        except FileExistsError:
            pass
        except OSError as e:  # a full disk (75), a read-only one (73): said as such
            raise _error(outbox, "make its incoming folder", e) from None
        try:  # the new folder's name is durable before anything is put in it
            os.fsync(root)
        except OSError as e:
            raise _error(outbox, "make its incoming folder durable", e) from None
        try:
            fd = os.open(INCOMING, _DIR, dir_fd=root)
        except OSError:
            raise SlowPath() from None
    except OSError:
        raise SlowPath() from None
    return _kept_if_checked(fd)


def _error(outbox: str, action: str, e: OSError) -> IncomingError:
    from alloy_tui.core.fs import why  # only now: the error path may take its time

    reason = why(e)
    if e.errno in _TEMP_ERRNOS:
        fix = "check that disk (`dmesg`)" if e.errno == errno.EIO else "free space on that disk"
        return IncomingError(
            f"the outbox {outbox} could not {action}: {reason}. Nothing was queued; {fix}, "
            "then send again.",
            EX_TEMPFAIL,
        )
    return IncomingError(
        f"the outbox {outbox} could not {action}: {reason}. Nothing was queued.",
        EX_CANTCREAT,
        permission=isinstance(e, PermissionError),
    )


def write_incoming(
    root: int, outbox: str, header: bytes, raw: bytes, commit: Callable[[Callable[[], None]], None]
) -> str:
    """Steps 2-4 of the module docstring in the checked outbox `root`; returns the name once
    durable. `commit(step)` runs the step that makes it visible (the caller blocks signals
    around it). IncomingError (nothing left behind) or SlowPath."""
    ifd = _incoming(root, outbox)
    try:
        name = new_name(time.time())
        tmp = f".{name}.tmp"
        fd = -1
        try:
            fd = os.open(tmp, _NEW, 0o600, dir_fd=ifd)
            if os.fstat(fd).st_mode & 0o777 != 0o600:
                os.fchmod(fd, 0o600)  # a umask took some of 0600 away
            view = memoryview(header + raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException as e:
            # a signal may land as os.open returns (fd not yet set): the file is still ours,
            # its name unique; an OSError before the file exists (fd < 0) leaves nothing
            if fd >= 0 or not isinstance(e, OSError):
                _unlink(ifd, tmp)
            if isinstance(e, OSError):
                raise _error(outbox, "take the message", e) from None
            raise
        finally:
            if fd >= 0:
                os.close(fd)

        def publish() -> None:
            try:
                os.rename(tmp, name, src_dir_fd=ifd, dst_dir_fd=ifd)
            except OSError as e:
                _unlink(ifd, tmp)
                raise _error(outbox, "take the message", e) from None
            try:
                os.fsync(ifd)
            except OSError as e:  # not durable: take it back, unless a runner already took it
                try:
                    os.unlink(name, dir_fd=ifd)
                except FileNotFoundError:
                    return
                except OSError:
                    pass
                raise _error(outbox, "make the message durable", e) from None

        commit(publish)
        return name
    finally:
        os.close(ifd)


def _unlink(dfd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dfd)
    except OSError:
        pass


def runner_running(root: int) -> bool:
    """Whether a runner holds ``runner.lock`` (a probe: never created, never followed). Runners
    hold it shared; an exclusive holder is another probe, so it does not count as one."""
    try:
        fd = os.open("runner.lock", os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=root)
    except OSError:
        return False
    try:
        import fcntl

        for _ in range(5):  # as filelocks.held_shared (not imported: the hand-off stays light)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return False  # nobody holds it
            except BlockingIOError:
                pass
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return True  # held, and only shared: runners
            except BlockingIOError:
                time.sleep(0.001)  # another probe's exclusive hold (`status`, a sendmail)
        return False  # still a probe's: start one; a second runner finds nothing to claim
    except OSError:
        return False
    finally:
        os.close(fd)


def start_runner(root: int, config_path: str) -> None:
    """`alloy-tui --config P queue run` in its own session, stdin/out/err /dev/null, unless one
    runs already (it looks at incoming/ once more after it lets go of its lock). Never fails:
    the message is already durable; the daemon or the next hand-off starts one."""
    if runner_running(root):
        return
    import sys

    # -P: never the caller's working folder first on sys.path (PHP runs us in its web root)
    argv = [sys.executable, "-P", "-m", "alloy_tui", "--config", config_path, "queue", "run"]
    null = os.devnull
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, null, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    try:
        # as subprocess's close_fds: what the caller left open (a pipe PHP waits on) stays ours
        for entry in os.listdir("/proc/self/fd"):
            if int(entry) > 2:
                try:
                    os.set_inheritable(int(entry), False)
                except OSError:
                    pass
    except (OSError, ValueError):
        pass
    try:
        os.posix_spawn(sys.executable, argv, dict(os.environ), file_actions=actions, setsid=True)
    except Exception:  # noqa: BLE001 - never fail a hand-off that is already durable
        pass
