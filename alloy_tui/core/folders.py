"""Folders opened as checked descriptors: the outbox, the state folder, the alert log's folder.

Every file alloy-tui opens in them is opened relative to a descriptor of the folder
(`dir_fd`, ``O_NOFOLLOW``), never by a path that some other user could redirect in between.
The folder itself is opened with ``O_DIRECTORY | O_NOFOLLOW`` and checked on the descriptor:
owned by this process's user (`allow_root`: or by root, for folders such as /var/log), and not
writable by the group or others unless `shared` (the alert log's folder may be /var/log or
/tmp: each of its files is opened O_NOFOLLOW and checked itself). A symlink, a file, another
user's folder or a folder others may write is one `FolderCheckError`, never followed or used.
setup-system makes every folder so for its owner (0700, the spool 0711).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from alloy_tui.core.errors import AlloyError
from alloy_tui.core.fs import fsync_fd as fsync_fd  # the one fsync rule, on a checked fd
from alloy_tui.core.fs import read_at_most, write_all

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


class FolderCheckError(AlloyError, OSError):
    """A folder alloy-tui will not use: a symlink, not a folder, another user's, or writable
    by others. The message is one sentence naming the folder, what is wrong and the fix. (An
    OSError too: whoever handles a folder that can't be written handles this one.)"""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def who(uid: int) -> str:
    """ "uid 1001 (alloy)", or "uid 4242" for a uid with no name."""
    import pwd

    try:
        return f"uid {uid} ({pwd.getpwuid(uid).pw_name})"
    except KeyError:
        return f"uid {uid}"


def open_folder(
    path: Path,
    what: str,
    *,
    parent_fd: int | None = None,
    create: int | None = None,
    allow_root: bool = False,
    shared: bool = False,
) -> int:
    """A checked descriptor of the folder `path` (with `parent_fd`: its last part, relative to
    that descriptor). `create`: the mode to make it with when missing (set exactly, whatever
    the umask). `what` names it in errors ("the outbox"). FolderCheckError as above; other
    OSErrors (missing, permission denied, read-only) as they come."""
    name = path.name if parent_fd is not None else str(path)
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except FileNotFoundError:
        if create is None:
            raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=parent_fd)  # closed until its mode is set below
        fd = _open_or_explain(name, parent_fd, path, what)
        made = True
    except OSError as e:
        raise _explained(e, path, what, name, parent_fd) from None
    else:
        made = False
    try:
        check(os.fstat(fd), path, what, allow_root=allow_root, shared=shared)
        if made and create is not None:
            os.fchmod(fd, create)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_or_explain(name: str, parent_fd: int | None, path: Path, what: str) -> int:
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError as e:
        raise _explained(e, path, what, name, parent_fd) from None


def _is_link(name: str, parent_fd: int | None) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=parent_fd).st_mode)
    except OSError:
        return False


def _explained(e: OSError, path: Path, what: str, name: str, parent_fd: int | None) -> OSError:
    """O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR (or ELOOP): say which it was."""
    if e.errno == errno.ELOOP or (e.errno == errno.ENOTDIR and _is_link(name, parent_fd)):
        return FolderCheckError(
            f"{what} {path} is a symbolic link; alloy-tui never follows one there. Fix: make it "
            "a real folder (or set the path to where the link points)."
        )
    if e.errno == errno.ENOTDIR:
        return FolderCheckError(f"{what} {path} is not a folder. Fix: move it away.")
    return e


def check(st: os.stat_result, path: Path, what: str, *, allow_root: bool, shared: bool) -> None:
    """The owner and mode rules of the module docstring, on a folder's fstat."""
    me = os.geteuid()
    if not stat.S_ISDIR(st.st_mode):
        raise FolderCheckError(f"{what} {path} is not a folder. Fix: move it away.")
    if st.st_uid != me and not (allow_root and st.st_uid == 0):
        raise FolderCheckError(
            f"{what} {path} is owned by {who(st.st_uid)}, not by {who(me)} who runs this; "
            "alloy-tui never acts in another user's folder. Fix: run the command as that user "
            f"(or, if the folder is this user's, `chown` it)."
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022 and not shared:
        others = "everyone" if mode & 0o002 else "its group"
        raise FolderCheckError(
            f"{what} {path} is writable by {others} (mode {mode:04o}); it must be writable by "
            f"its owner alone. Fix: chmod go-w {path}"
        )


@contextlib.contextmanager
def opened(path: Path, what: str, **kw: object) -> Iterator[int]:
    """`open_folder` as a context manager (the descriptor is closed on exit)."""
    fd = open_folder(path, what, **kw)  # type: ignore[arg-type]
    try:
        yield fd
    finally:
        os.close(fd)


def read_file(dir_fd: int, name: str, limit: int) -> bytes | None:
    """At most `limit` bytes of the regular file `name` in the folder, never through a
    symlink and never blocking on a FIFO; None when it is missing or not a regular file."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | FILE_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return read_at_most(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_temp(dir_fd: int, name: str, data: bytes) -> str:
    """A new temp file (0600 from birth, O_EXCL, never through a symlink) named after `name` in
    the folder, written and fsynced; returns its name. Removed again on any failure."""
    tmp = f".{name}.{os.urandom(4).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | FILE_NOFOLLOW
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        try:
            os.fchmod(fd, 0o600)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        unlink_quietly(dir_fd, tmp)
        raise
    return tmp


def replace_file(dir_fd: int, name: str, data: bytes) -> None:
    """Atomically make `name` in the folder hold `data` (temp file, fsync, rename, folder fsync)."""
    tmp = write_temp(dir_fd, name, data)
    try:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        unlink_quietly(dir_fd, tmp)
        raise
    fsync_fd(dir_fd)


def unlink_quietly(dir_fd: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)


def file_error(e: OSError, path: Path) -> OSError:
    """An OSError opening `path` (O_NOFOLLOW) in a checked folder: a symlink there is said so,
    as a FolderCheckError; anything else as it came."""
    if e.errno == errno.ELOOP:
        return FolderCheckError(
            f"{path} is a symbolic link; alloy-tui never follows one there. Fix: remove it."
        )
    return e


def ancestors_problem(path: Path) -> str | None:
    """Whether every folder above `path` is safe to pass through, as postfix checks its queue's
    parents: owned by root or by this process's user, and not writable by its group or others
    (unless sticky and root's, like /tmp: then nobody else may rename what is in it). Else
    whoever may write there could swap the whole tree under alloy-tui. Both the path as
    written and where it really leads are checked. The problem as the end of a sentence that
    starts with the place ("the outbox /x ..."), with its fix in brackets, or None."""
    me = os.geteuid()
    path = Path(os.path.abspath(path))
    seen: set[Path] = set()
    for chain in (path.parents, Path(os.path.realpath(path)).parents):
        for up in chain:
            if up in seen:
                continue
            seen.add(up)
            try:
                st = os.stat(up)
            except OSError:
                continue  # missing (made later) or unreachable: the place's own check says so
            mode = stat.S_IMODE(st.st_mode)
            if st.st_uid not in (0, me):
                return (
                    f"lies under {up}, owned by {who(st.st_uid)}: only root or {who(me)} may "
                    f"own the folders above it, or that user could swap the tree (chown root {up})"
                )
            if mode & 0o022 and not (mode & stat.S_ISVTX and st.st_uid == 0):
                others = "everyone" if mode & 0o002 else "its group"
                return (
                    f"lies under {up}, writable by {others} (mode {mode:04o}): whoever may "
                    f"write there could swap the tree (chmod go-w {up})"
                )
    return None
