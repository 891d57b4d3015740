"""Writing a file so that a crash, a full disk or a second writer never leaves it half-written.

``atomic_write`` puts the bytes in a temp file in the same folder (mode 0600 from the moment it
exists), fsyncs it and renames it over the target; ``fsync_folder`` makes the rename durable.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import tempfile
from pathlib import Path


class FolderError(Exception):
    """A folder on the way to the file could not be created; the message is a sentence."""


def make_folder(folder: Path, owner: tuple[int, int] | None = None, mode: int = 0o700) -> None:
    """Create the folder and any missing parents, each `mode` (0700; whatever the umask:
    it neither loosens nor tightens it).

    ``owner`` (uid, gid): when root makes folders for another user's file, they are given to
    that user (or the user could not reach the file)."""
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
            os.chmod(d, mode)
            if owner is not None and hasattr(os, "chown"):
                os.chown(d, *owner)
        except FileExistsError:
            pass
        except OSError as e:
            raise FolderError(f"cannot create the folder {d}: {why(e)}") from None
    if not folder.is_dir():
        raise FolderError(f"{folder} is not a folder")


def why(e: OSError) -> str:
    """A few words on why a write failed."""
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "the disk is full (or over quota)"
    if e.errno == errno.EFBIG:
        return "the file would be larger than this process may write (file size limit)"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if e.errno == errno.EROFS:
        return "the file system is read-only"
    if e.errno == errno.EIO:
        return "the disk reported an I/O error"
    return e.strerror or str(e)


def fsync_folder(folder: Path, *, strict: bool = False) -> None:
    """Make the names in a folder durable (after a rename or a create in it), by its path
    (`fsync_fd` for a folder already open). ``strict``: an OSError opening the folder is raised
    too."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        if strict:
            raise
        return
    try:
        fsync_fd(fd, strict=strict)
    finally:
        os.close(fd)


def fsync_fd(fd: int, *, strict: bool = False) -> None:
    """fsync a folder's descriptor (after a rename or a create in it). ``strict``: an OSError is
    raised (the caller must not say "done"), except from a file system that can't sync a folder
    at all (EINVAL, ENOTSUP); otherwise any failure is ignored."""
    try:
        os.fsync(fd)
    except OSError as e:
        if strict and e.errno not in _CANNOT_SYNC_FOLDERS:
            raise


_CANNOT_SYNC_FOLDERS = (
    errno.EINVAL,
    getattr(errno, "ENOTSUP", -1),
    getattr(errno, "EOPNOTSUPP", -1),
)


def new_folder_parents(folder: Path) -> list[Path]:
    """The folders whose entries change when `folder` and its missing ancestors are created
    (each one's parent), outermost first: what to fsync so the new names are durable."""
    out = []
    p = folder
    while not p.exists() and p.parent != p:
        out.append(p.parent)
        p = p.parent
    return out[::-1]


def current_umask() -> int | None:
    """This process's umask, read without changing it (Linux: /proc/self/status); None if unknown.
    (`os.umask` can only be read by setting it, which races with other threads creating files.)"""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def write_all(fd: int, data: bytes) -> None:
    """All of `data` to `fd` (os.write may take less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_at_most(fd: int, n: int) -> bytes:
    """Up to `n` bytes from `fd`, fewer only at its end (read in 1 MiB pieces)."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        chunk = os.read(fd, min(1 << 20, n - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def write_temp(target: Path, data: bytes, owner: tuple[int, int] | None = None) -> Path:
    """Write data to a new temp file (mode 0600 from birth) next to target and fsync it.

    ``owner`` (uid, gid): when root rewrites a file that belongs to someone else (a service
    account's config), the new file keeps that owner, or the service could no longer read it.
    The caller renames it over target (``os.replace``) or removes it; on failure it is removed here.
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            if hasattr(os, "fchmod"):  # mkstemp already uses 0600; make sure (not on Windows)
                os.fchmod(fd, 0o600)
            if owner is not None and hasattr(os, "fchown") and os.geteuid() == 0:
                os.fchown(fd, *owner)
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        remove_quietly(Path(tmp))
        raise
    return Path(tmp)


def remove_quietly(path: Path) -> None:
    """Remove a temp file we made, ignoring a file that is already gone."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def remove_leftovers(target: Path, *patterns: str) -> list[Path]:
    """Remove the temp files a killed writer of `target` left beside it (``.<name>.*.tmp``, the
    names `write_temp` uses, plus `patterns`): they may hold a whole copy of a secret file.

    Call this only while holding the lock every writer of `target` holds, so no temp file of a
    write still in progress is taken. Returns what was removed."""
    removed = []
    for pattern in (f".{glob.escape(target.name)}.*.tmp", *patterns):
        for p in target.parent.glob(pattern):
            try:
                if stat.S_ISREG(os.lstat(p).st_mode):
                    os.unlink(p)
                    removed.append(p)
            except OSError:
                continue
    return removed


def atomic_write(target: Path, data: bytes, owner: tuple[int, int] | None = None) -> None:
    """Temp file (0600 from birth) in the same folder, fsync, rename over target."""
    tmp = write_temp(target, data, owner)
    try:
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
