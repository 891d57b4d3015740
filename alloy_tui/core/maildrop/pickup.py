"""The runner's side: every complete drop file checked, prepared and moved into the outbox.

Each ``<uid>.<random>`` file is looked at with lstat first (a symlink, FIFO or device is never
opened), then opened O_RDONLY|O_NOFOLLOW|O_NONBLOCK and checked on the open descriptor: the same
file as the lstat, a regular file with one link, owned by the uid its name says, under the size
limit. Then its header is parsed and the message goes through `prepare()` with the config's
settings, exactly as sendmail's own hand-off does, and into the outbox with
``details.submitted_by`` (the user name of that uid). The drop file is removed only after the
outbox submit is durable: a crash in between gives at most a duplicate, never a loss.

A refused file is one ``maildrop.refused`` warning in the alert log (the uid and user, the file
name, the reason; anything from the file passed through `printable`) and is moved into the
outbox's 0700 ``refused/`` folder, or removed when it is not a regular file or is a second
name of another file (a symlink, FIFO, hard link: there is nothing of the sender's to keep).
Temp files (``.*.tmp``) older than a day, left by a killed sendmail, are removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import printable
from alloy_tui.core.fs import fsync_folder
from alloy_tui.core.maildrop.drop_file import MAX_HEADER_BYTES, HeaderError, parse
from alloy_tui.core.outbox import Outbox, OutboxError

LogFn = Callable[[str, str, str, dict[str, Any]], None]
NAME_RE = re.compile(r"([0-9]{1,10})\.([0-9a-f]{32})")
STALE_TEMP_SECONDS = 24 * 3600.0
EX_CONFIG = 78


@dataclass
class IntakeSummary:
    taken: int = 0  # now in the outbox
    refused: int = 0  # moved aside or removed, each with a maildrop.refused entry
    held: int = 0  # left in the maildrop for a later run (the outbox or config can't take it now)


class Refused(Exception):
    """This file will not be sent; ``keep``: move it aside (else it is removed)."""

    def __init__(self, reason: str, *, keep: bool = True) -> None:
        self.keep = keep
        super().__init__(reason)


class _Changed(Exception):
    """The name no longer names the file we looked at: look again next run."""


def limit() -> int:
    from alloy_tui.core.mail import MAX_MESSAGE_BYTES

    return MAX_MESSAGE_BYTES + MAX_HEADER_BYTES


def user_name(uid: int | None) -> str:
    if uid is None:
        return "unknown"
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def usable(folder: Path) -> bool:
    """A real folder (not a symlink) that this runner may take mail from: ours, or we are root."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    owner_ok = st.st_uid == os.geteuid() or os.geteuid() == 0
    return stat.S_ISDIR(st.st_mode) and owner_ok


@contextlib.contextmanager
def _only_one(box: Outbox) -> Iterator[bool]:
    """One intake per outbox at a time (two runners must not both submit a file)."""
    fd = os.open(box.path / "maildrop.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def intake(
    folder: Path, box: Outbox, settings: Settings, config_path: Path, log: LogFn | None = None
) -> IntakeSummary:
    """Take every complete drop file from `folder` into `box` (see the module docstring)."""
    folder = Path(folder)
    if not usable(folder):
        return IntakeSummary()
    box.ensure()
    with _only_one(box) as mine:
        if not mine:
            return IntakeSummary()
        return _Intake(folder, box, settings, log).run()


_UNREADABLE = (
    "it could not be read (permission denied): drop files are 0640 in the maildrop's group, "
    "so the maildrop must be set-group-ID to the runner's group; run `alloy-tui setup-system`"
)


class _Intake:
    def __init__(self, folder: Path, box: Outbox, settings: Settings, log: LogFn | None) -> None:
        self.folder = folder
        self.box = box
        self.settings = settings
        self.log_fn = log
        self.summary = IntakeSummary()
        self.limit = limit()

    def log(self, level: str, event: str, text: str, details: dict[str, Any]) -> None:
        if self.log_fn is not None:
            with contextlib.suppress(Exception):  # the log never stops the intake
                self.log_fn(level, event, text, details)

    def run(self) -> IntakeSummary:
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return self.summary
        for name in names:
            if name.startswith("."):
                self.tidy_temp(name)
            elif not self.one(name):
                break  # the outbox (or the config) can't take mail now: the rest waits too
        return self.summary

    def tidy_temp(self, name: str) -> None:
        if not name.endswith(".tmp"):
            return
        path = self.folder / name
        with contextlib.suppress(OSError):
            if time.time() - os.lstat(path).st_mtime > STALE_TEMP_SECONDS:
                os.unlink(path)

    # ---------------------------------------------------------------- one file
    def one(self, name: str) -> bool:
        """Take or refuse one file; False when the rest must wait (nothing can be queued)."""
        path = self.folder / name
        match = NAME_RE.fullmatch(name)
        uid = int(match.group(1)) if match else None
        try:
            data, st = self.read(path, uid)
            return self.queue(path, name, uid, data, st)
        except (FileNotFoundError, _Changed):
            return True  # gone or replaced meanwhile: nothing to do until the next run
        except Refused as r:
            self.refuse(path, name, uid, r)
        except PermissionError:
            self.hold(name, uid, _UNREADABLE)
        except OSError as e:
            self.hold(name, uid, f"it could not be read: {e.strerror or e}")
        except Exception as e:  # noqa: BLE001 - any local user writes these: one file never stops the rest
            self.refuse(path, name, uid, Refused(f"it could not be processed ({type(e).__name__})"))
        return True

    def read(self, path: Path, uid: int | None) -> tuple[bytes, os.stat_result]:
        first = os.lstat(path)
        if stat.S_ISLNK(first.st_mode):
            raise Refused("it is a symbolic link (never followed)", keep=False)
        if not stat.S_ISREG(first.st_mode):
            raise Refused(f"it is not a regular file ({_kind(first.st_mode)})", keep=False)
        if uid is None:
            keep = first.st_nlink == 1  # a second name of another file is only removed
            raise Refused("its name is not <uid>.<32 hex digits>, as sendmail writes it", keep=keep)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise _Changed() from None  # swapped for a symlink since the lstat
            raise
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != (first.st_dev, first.st_ino):
                raise _Changed()
            self.check(st, uid)
            data = _read_at_most(fd, self.limit + 1)
        finally:
            os.close(fd)
        if len(data) > self.limit:
            raise Refused(f"it is larger than {self.limit} bytes (the message size limit)")
        return data, st

    def check(self, st: os.stat_result, uid: int) -> None:
        if st.st_nlink != 1:
            raise Refused(
                f"it has {st.st_nlink} links: a hard link to another file (only that link "
                "was removed)",
                keep=False,
            )
        if st.st_uid != uid:
            raise Refused(
                f"it is owned by {user_name(st.st_uid)} (uid {st.st_uid}), not by uid {uid} as "
                "its name says"
            )
        if st.st_size > self.limit:
            raise Refused(
                f"it is {st.st_size} bytes, larger than {self.limit} (the message size limit)"
            )

    def queue(self, path: Path, name: str, uid: int | None, data: bytes, st: Any) -> bool:
        from alloy_tui.core.mail import MessageRefused, prepare

        user = user_name(uid)
        try:
            envelope, raw = parse(data)
            prepared = prepare(
                raw,
                settings=self.settings,
                arg_recipients=envelope.recipients,
                read_headers=envelope.read_headers,
                envelope_from=envelope.envelope_from,
                full_name=envelope.full_name,
                login=user,
            )
        except HeaderError as e:
            raise Refused(f"its header can't be read: {e}") from None
        except MessageRefused as e:
            if e.exit_code == EX_CONFIG:  # the config is not complete: not the message's fault
                self.hold(name, uid, str(e))
                return False
            raise Refused(f"sendmail's rules refuse it: {e}") from None
        try:
            self.box.submit(
                prepared.raw,
                recipients=prepared.recipients,
                sender=prepared.sender,
                source="sendmail",
                details={"submitted_by": user},
            )
        except OutboxError as e:
            self.hold(name, uid, e.explanation.one_line())
            return False
        self.unlink_if_same(path, st)
        self.summary.taken += 1
        return True

    # ---------------------------------------------------------------- outcomes
    def unlink_if_same(self, path: Path, st: Any) -> None:
        with contextlib.suppress(OSError):
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                os.unlink(path)
                fsync_folder(self.folder)

    def refuse(self, path: Path, name: str, uid: int | None, why: Refused) -> None:
        kept: str | None = None
        if why.keep:
            try:
                kept = str(_set_aside(path, self.box.path / "refused"))
                outcome = f"moved to {kept}"
            except OSError as e:
                self.hold(name, uid, f"{why}; it could not be moved aside: {e.strerror or e}")
                return
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            outcome = "removed"
        self.summary.refused += 1
        user, shown, reason = user_name(uid), printable(name), printable(str(why))
        self.log(
            "warning",
            "maildrop.refused",
            f"Refused the maildrop file {shown} from {user}: {reason}; {outcome}",
            {"uid": uid, "user": user, "file": shown, "reason": reason, "kept_as": kept},
        )

    def hold(self, name: str, uid: int | None, reason: str) -> None:
        self.summary.held += 1
        user, shown, reason = user_name(uid), printable(name), printable(reason)
        self.log(
            "warning",
            "maildrop.held",
            f"The maildrop file {shown} from {user} waits: {reason}",
            {"uid": uid, "user": user, "file": shown, "reason": reason},
        )


def _kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a file"


def _read_at_most(fd: int, n: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < n:
        chunk = os.read(fd, min(1 << 20, n - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def _set_aside(path: Path, refused: Path) -> Path:
    """Move a refused file into the 0700 refused/ folder (a copy when on another disk)."""
    if not refused.is_dir():
        with contextlib.suppress(FileExistsError):
            os.mkdir(refused, 0o700)
    os.chmod(refused, 0o700)
    target = refused / path.name
    try:
        os.rename(path, target)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        _copy_across(path, target)
    fsync_folder(refused)
    return target


def _copy_across(path: Path, target: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            while chunk := os.read(fd, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view) :]
            os.fsync(out)
        finally:
            os.close(out)
    finally:
        os.close(fd)
    os.unlink(path)
