"""What happens to a maildrop entry the intake refuses, and how refusals are told.

A regular file of its own is moved into the outbox's 0700 ``refused/`` folder (the sender's
bytes are kept for the admin). Anything else (a symlink, FIFO, socket, device, folder, or a
second name of another file) is removed; when it can't be removed it is moved aside: into
``refused/``, else renamed to ``.refused-<name>`` inside the maildrop (the intake skips those).
When nothing works (a read-only maildrop) it is "stuck": recorded in the ledger, an error once,
CRITICAL in `status --check`.

Refusals are told once per pass, one ``maildrop.refused`` warning ("12 files from uid 1001
(www-data) refused: ..."), every name through `printable`. ``refused/`` is capped
(``[queue] refused_max_files``, ``refused_max_mb``): the oldest go first, with one
``maildrop.pruned`` note.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alloy_tui.core.errors import printable
from alloy_tui.core.fs import fsync_fd, fsync_folder, write_all

ASIDE_PREFIX = ".refused-"
SHOWN_FILES = 20  # per summary entry: the names and reasons of the first ones


def shown(name: str) -> str:
    """A file name as the log shows it: every control character (and every byte that is not
    UTF-8) escaped as \\xNN, a backslash doubled, so two names never look the same and nothing
    reaches a terminal (what `printable` would drop is written out instead)."""
    if name.isprintable() and "\\" not in name:
        return name
    out = []
    for c in name:
        code = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.listdir could not decode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return printable("".join(out))


class Refused(Exception):
    """This entry will not be sent; ``keep``: move it aside (else it is removed)."""

    def __init__(self, reason: str, *, keep: bool = True) -> None:
        self.keep = keep
        super().__init__(reason)


class Stuck(Exception):
    """The entry could be neither removed nor moved aside; the text says why."""


@dataclass
class RefusedFile:
    name: str  # printable
    uid: int | None  # the uid its name claims
    owner: int  # who really owns it (lstat)
    reason: str  # printable
    outcome: str
    kept_as: str | None


@dataclass
class Refusals:
    """The refusals of one pass, told as one entry at its end."""

    files: list[RefusedFile] = field(default_factory=list)

    def add(self, item: RefusedFile) -> None:
        self.files.append(item)

    def entry(self) -> tuple[str, dict[str, Any]] | None:
        """(text, details) of the pass's one ``maildrop.refused`` warning, or None."""
        if not self.files:
            return None
        if len(self.files) == 1:
            f = self.files[0]
            text = (
                f"Refused the maildrop file {f.name} from {_who(f.owner)}: {f.reason}; {f.outcome}"
            )
        else:
            parts = []
            by_owner = Counter(f.owner for f in self.files)
            for owner, count in sorted(by_owner.items()):
                reasons = Counter(_short(f.reason) for f in self.files if f.owner == owner)
                said = ", ".join(f"{n} {r}" for r, n in reasons.most_common(3))
                more = len(reasons) - 3
                said += f" and {more} other reason(s)" if more > 0 else ""
                parts.append(f"{count} files from {_who(owner)} refused: {said}")
            text = "; ".join(parts) + " (`alloy-tui log --level warning` has the names)"
        files = [
            {
                "file": f.name,
                "uid": f.uid,
                "owner": f.owner,
                "user": _user(f.owner),
                "reason": f.reason,
                "outcome": f.outcome,
                "kept_as": f.kept_as,
            }
            for f in self.files[:SHOWN_FILES]
        ]
        return text, {"count": len(self.files), "files": files}


def user_name(uid: int | None) -> str:
    """The user's name, "uid 1234" when it has none, "unknown" when there is no uid."""
    if uid is None:
        return "unknown"
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _user(uid: int) -> str:
    return user_name(uid)


def _who(uid: int) -> str:
    name = _user(uid)
    return name if name == f"uid {uid}" else f"uid {uid} ({name})"


def _short(reason: str) -> str:
    """The kind of a reason, for counting: the words before the first detail."""
    for cut in (" (", ":", ";", ","):
        reason = reason.split(cut, 1)[0]
    return reason.removeprefix("it is ").removeprefix("its ")


@contextlib.contextmanager
def _maildrop_fd(folder: Path) -> Iterator[int]:
    """The maildrop folder (already judged by folder_check.py), never through a symlink."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


def dispose(
    folder: Path, name: str, st: os.stat_result, why: Refused, refused: Path
) -> tuple[str, str | None]:
    """Remove or move aside the refused entry; (what was done, where it is kept). Stuck if
    nothing could be done. Every step relative to the maildrop's descriptor."""
    try:
        with _maildrop_fd(folder) as drop_fd:
            return _dispose_in(drop_fd, folder, name, st, why, refused)
    except Stuck:
        raise
    except OSError as e:
        from alloy_tui.core.fs import why as why_text

        raise Stuck(f"it could be neither removed nor moved aside: {why_text(e)}") from None


def _dispose_in(
    drop_fd: int, folder: Path, name: str, st: os.stat_result, why: Refused, refused: Path
) -> tuple[str, str | None]:
    if not why.keep:
        try:
            if stat.S_ISDIR(st.st_mode):
                os.rmdir(name, dir_fd=drop_fd)  # `mkdir <maildrop>/0`: an empty folder
            else:
                os.unlink(name, dir_fd=drop_fd)
            fsync_fd(drop_fd)
            return "removed", None
        except FileNotFoundError:
            return "removed", None
        except OSError as e:
            first: OSError | None = e  # a non-empty folder of someone else's, a read-only maildrop
    else:
        first = None
    try:
        kept = set_aside(drop_fd, name, refused, st)
        return f"moved to {shown(str(kept))}", shown(str(kept))
    except OSError as e:
        second = e
    aside = f"{ASIDE_PREFIX}{name}"
    try:
        if _exists(drop_fd, aside):
            raise FileExistsError(errno.EEXIST, "exists", str(folder / aside))
        os.rename(name, aside, src_dir_fd=drop_fd, dst_dir_fd=drop_fd)
        fsync_fd(drop_fd)
        said = shown(str(folder / aside))
        return f"renamed to {said} in the maildrop (remove it as root)", said
    except OSError:
        pass
    from alloy_tui.core.fs import why as why_text

    cause = why_text(first or second)
    raise Stuck(f"it could be neither removed nor moved aside: {cause}")


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _free_name(dir_fd: int, name: str, ino: int) -> str:
    """`name`, else `name.<ino>`, else `name.<ino>.<n>`: a name refused/ does not hold (only
    this runner writes there, under the maildrop lock: nothing is ever overwritten)."""
    for candidate in (name, f"{name}.{ino}", *(f"{name}.{ino}.{n}" for n in range(1, 1000))):
        if not _exists(dir_fd, candidate):
            return candidate
    raise FileExistsError(errno.EEXIST, "refused/ holds too many entries of that name", name)


def set_aside(drop_fd: int, name: str, refused: Path, st: os.stat_result) -> Path:
    """Move a refused entry into the outbox's 0700 refused/ folder (a checked folder, opened
    relative to the checked outbox; a copy when on another disk, for a regular file), under a
    name that is free there: never over an earlier refused file."""
    from alloy_tui.core import folders

    with (
        folders.opened(refused.parent, "the outbox") as root,
        folders.opened(refused, "the outbox folder", parent_fd=root, create=0o700) as ref_fd,
    ):
        target = _free_name(ref_fd, name, st.st_ino)
        try:
            os.rename(name, target, src_dir_fd=drop_fd, dst_dir_fd=ref_fd)
        except OSError as e:
            if e.errno != errno.EXDEV or not stat.S_ISREG(st.st_mode):
                raise
            _copy_across(drop_fd, name, ref_fd, target)
        fsync_fd(ref_fd)
    return refused / target


def _copy_across(drop_fd: int, name: str, ref_fd: int, target: str) -> None:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd = os.open(name, flags, dir_fd=drop_fd)
    try:
        create = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        out = os.open(target, create, 0o600, dir_fd=ref_fd)
        try:
            while chunk := os.read(fd, 1 << 20):
                write_all(out, chunk)
            os.fsync(out)
        finally:
            os.close(out)
    finally:
        os.close(fd)
    os.unlink(name, dir_fd=drop_fd)


def prune(refused: Path, max_files: int, max_mb: int) -> tuple[int, int]:
    """Remove the oldest entries of refused/ until it holds at most `max_files` entries and
    `max_mb` MiB; (entries removed, bytes freed)."""
    try:
        names = os.listdir(refused)
    except OSError:
        return 0, 0
    found = []
    for name in names:
        with contextlib.suppress(OSError):
            st = os.lstat(refused / name)
            size = st.st_size if stat.S_ISREG(st.st_mode) else 0
            found.append((st.st_ctime_ns, name, size, stat.S_ISDIR(st.st_mode)))
    found.sort()
    total = sum(size for _t, _n, size, _d in found)
    limit = max_mb * (1 << 20)
    count, removed, freed = len(found), 0, 0
    for _t, name, size, is_dir in found:
        if count <= max_files and total <= limit:
            break
        try:
            if is_dir:
                shutil.rmtree(refused / name)  # fd-based on Linux: never follows a symlink
            else:
                os.unlink(refused / name)
        except OSError:
            continue
        count, total, removed, freed = count - 1, total - size, removed + 1, freed + size
    if removed:
        with contextlib.suppress(OSError):
            fsync_folder(refused)
    return removed, freed
