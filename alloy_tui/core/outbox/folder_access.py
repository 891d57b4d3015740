"""The outbox's folders as checked descriptors (`core.folders`), for `Outbox` (spool.py):
opening them, saying why they can't be used, the runner lock, and turning an OSError into the
OutboxError a door reports. Never through a symlink; only this user's folders.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from alloy_tui.core import filelocks as locks
from alloy_tui.core import folders
from alloy_tui.core.errors import Explanation
from alloy_tui.core.fs import why
from alloy_tui.core.outbox.model import EX_CANTCREAT, EX_TEMPFAIL, OutboxError

FOLDERS = ("tmp", "messages", "meta", "claims")
TEMP_ERRNOS = (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EAGAIN)


class OutboxFolders:
    """The folder side of `Outbox`: everything here works on ``self.path``."""

    path: Path

    @property
    def runner_lock_path(self) -> Path:
        return self.path / "runner.lock"

    @contextlib.contextmanager
    def folders(self, *subs: str, create: bool = False) -> Iterator[list[int]]:
        """Checked descriptors of the outbox and of each named sub-folder, in that order
        (`core.folders`: never through a symlink, this user's alone). `create`: make what is
        missing, 0700. FolderCheckError or the OSError as it came (missing, unreadable)."""
        mode = 0o700 if create else None
        root = folders.open_folder(self.path, "the outbox", create=mode)
        fds = [root]
        try:
            for sub in subs:
                fds.append(
                    folders.open_folder(
                        self.path / sub, "the outbox folder", parent_fd=root, create=mode
                    )
                )
            yield fds
        finally:
            for fd in fds:
                os.close(fd)

    def problem(self) -> str:
        """Why the outbox's folders can't be used ("" when they can, or are not made yet):
        one open of each, checked; for a door that only lists (mailq)."""
        try:
            with self.folders(*FOLDERS):
                return ""
        except FileNotFoundError:
            return ""
        except folders.FolderCheckError as e:
            return str(e)
        except OSError as e:
            return f"the outbox {self.path} cannot be opened: {why(e)}"

    def write_problem(self) -> str:
        """Why a message could not be written into the outbox now ("" if it could): a probe file
        in its tmp/ folder, or (not created yet) whether its nearest existing folder is writable."""
        path = self.path
        tmp = path / "tmp"
        if tmp.exists() and not tmp.is_dir():
            return f"the outbox {path} cannot be written: {tmp} is not a folder"
        if not tmp.is_dir():
            p = path
            while not p.exists() and p.parent != p:
                p = p.parent
            if p.is_dir() and os.access(p, os.W_OK | os.X_OK):
                return ""
            return f"the outbox {path} cannot be created ({p} is not writable)"
        probe = f".check-{os.getpid()}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            with (
                folders.opened(path, "the outbox") as root,
                folders.opened(tmp, "the outbox folder", parent_fd=root) as tmp_fd,
            ):
                folders.unlink_quietly(tmp_fd, probe)  # our pid's leftover
                try:
                    os.close(os.open(probe, flags, 0o600, dir_fd=tmp_fd))
                finally:
                    folders.unlink_quietly(tmp_fd, probe)
        except folders.FolderCheckError as e:
            return str(e)
        except OSError as e:
            return f"the outbox {path} cannot be written: {e.strerror or e}"
        return ""

    @property
    def spool_folder(self) -> Path:
        """Where a door may spool a large message as it arrives (then `Submission.spooled`):
        the outbox's tmp/, on the same file system, tidied if the door dies."""
        return self.path / "tmp"

    @contextlib.contextmanager
    def runner_lock(self) -> Iterator[locks.Lock]:
        """runner.lock held shared (every runner holds it while it drains). OutboxError when it
        can't be taken (a symlink there, a read-only outbox)."""
        name = Path("runner.lock")
        try:
            with self.folders() as (root,):
                lock = locks.wait_lock(name, shared=True, dir_fd=root)
        except OSError as e:
            raise self._fail(
                "take the runner lock", folders.file_error(e, self.path / name)
            ) from None
        with lock:
            yield lock

    def runner_active(self) -> bool:
        """True while some runner holds runner.lock (a probe: the file is never created)."""
        try:
            with self.folders() as (root,):
                return locks.held_shared(Path("runner.lock"), dir_fd=root)
        except OSError:
            return False

    def _fail(self, action: str, e: OSError) -> OutboxError:
        temporary = e.errno in TEMP_ERRNOS or e.errno == errno.EIO
        if e.errno == errno.EIO:  # a write or a folder fsync the disk refused
            fix = "Check that disk (`dmesg`), then send again; nothing was queued."
        elif temporary:
            fix = (
                "Free space on that disk (or raise the quota), then send again; nothing was queued."
            )
        else:
            fix = f"Make {self.path} writable by this user (or set [queue] path), then send again."
        if isinstance(e, folders.FolderCheckError):
            return OutboxError(
                Explanation(
                    title="The outbox can't be used safely",
                    cause=str(e).split(" Fix: ")[0],
                    fix=str(e).split(" Fix: ")[-1],
                    code="outbox.unsafe",
                ),
                EX_CANTCREAT,
            )
        ex = Explanation(
            title="The message could not be queued",
            cause=f"Could not {action} in the outbox {self.path}: {why(e)}. Nothing was queued.",
            fix=fix,
            code="outbox.full" if temporary else "outbox.write",
        )
        return OutboxError(ex, EX_TEMPFAIL if temporary else EX_CANTCREAT)

    @contextlib.contextmanager
    def _reading(self, *subs: str) -> Iterator[list[int] | None]:
        """The folders for reading: None when the outbox is not there yet (nothing queued);
        an OutboxError when it can't be used (another user's, a symlink)."""
        try:
            with self.folders(*subs) as fds:
                yield fds
        except FileNotFoundError:
            yield None
        except folders.FolderCheckError as e:
            raise self._fail("read the outbox", e) from None


def foreign_sentence(path: Path, owners: dict[int, int]) -> str:
    """What files of other users (uid -> how many) in the outbox mean, with the fix; "" if none."""
    if not owners:
        return ""
    me = os.geteuid()
    who = ", ".join(f"{n} of {folders.who(uid)}" for uid, n in sorted(owners.items()))
    return (
        f"the outbox {path} holds files this user ({folders.who(me)}) does not own "
        f"({who}): their mail can't be read or sent. Fix: give them to the outbox's owner "
        f"(chown -R {me} {path})"
    )
