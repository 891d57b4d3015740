"""The token cache file on disk: msal-extensions persistence, its lock, modes, damage.

On Linux without PyGObject the encrypted persistence is unavailable (msal-extensions'
`build_encrypted_persistence()` raises ImportError for the missing `gi` module), so this is
`FilePersistence` (with its lock file, safe to share between the wizard and a cron
job), kept at mode 0600 in a folder we create 0700, with two changes to msal-extensions:
- a write replaces the whole file atomically, so a reader without the lock (`CacheSnapshot`, or
  another process's MSAL search) sees the old or the new cache, never a torn or empty one;
- the lock file is created 0600, and one left behind by a crashed process is taken over.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import Explanation, LocalProblem, UserInputError
from alloy_tui.core.fs import FolderError, make_folder, remove_leftovers
from alloy_tui.core.signin.cache_read import CacheSnapshot
from alloy_tui.core.signin.cache_shape import Damaged, read_bounded

if TYPE_CHECKING:
    from msal_extensions import PersistedTokenCache  # untyped: Any to mypy, a name to readers

LOCK_TIMEOUT = 5.0  # seconds to wait for another process's cache write (msal-extensions waits 5 s)
EMPTY_LOCK_GRACE = 2.0  # seconds a lock file may be empty while its maker writes its pid


class TokenCacheLocked(LocalProblem):
    """Another process held the token cache's lock file for longer than LOCK_TIMEOUT."""

    exit_code = 1  # a send or sign-in that could not run now; the same command works later

    def __init__(self, lock: str, holder: str) -> None:
        pid = holder.split()[0] if holder.split() else ""
        who = f"process {holder} (pid {pid})" if pid.isdigit() else "another process"
        check = f"`ps -p {pid}` shows whether it still runs; if" if pid.isdigit() else "If"
        super().__init__(
            Explanation(
                title="The token cache is locked by another process",
                cause=f"{who} has held the lock file {lock} for more than {LOCK_TIMEOUT:g} s "
                "(another alloy-tui writing the token cache, or one that hangs).",
                fix=f"Try again in a moment. {check} no alloy-tui is running, remove the lock: "
                f"rm {lock}",
                code="token_cache.locked",
                verdict="service",
            )
        )


class PrivateLock:
    """msal-extensions' cross-process lock (exclusive creation of `<cache>.lockfile`, the same
    file its own lock uses), but the lock file is created 0600, and one left behind is taken over
    instead of blocking every later sign-in: its process is gone (SIGKILL), or it holds no pid
    at all and is older than EMPTY_LOCK_GRACE (the disk was full when it was made)."""

    def __init__(self, path: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT) -> None:
        self.path = os.fspath(path)
        self.timeout = timeout

    def __enter__(self) -> PrivateLock:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                stale = self._stale()
                if stale is not None:
                    # Remove only the very file judged stale (another process may have taken it
                    # over and made a fresh lock meanwhile).
                    with contextlib.suppress(OSError):
                        if os.stat(self.path).st_ino == stale:
                            os.remove(self.path)
                    continue
                if time.monotonic() >= deadline:
                    raise TokenCacheLocked(self.path, self._holder()) from None
                time.sleep(0.05)
                continue
            except OSError as e:
                raise UserInputError(
                    f"exchange_online.token_cache: cannot create the lock file {self.path}: "
                    f"{e.strerror or e}; choose a folder this user can write."
                ) from None
            with os.fdopen(fd, "wb") as f:
                f.write(f"{os.getpid()} {os.path.basename(sys.argv[0] or '')}".encode())
            return self

    def _holder(self) -> str:
        """What the lock file says about its process ("1234 alloy-tui"), '' when unreadable."""
        try:
            with open(self.path, "rb") as f:
                return f.read(200).decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def _stale(self) -> int | None:
        """The lock file's inode when it was left by a process that is gone, else None."""
        try:
            st = os.stat(self.path)
            with open(self.path, "rb") as f:
                words = f.read(64).split()
        except OSError:
            return None
        try:
            pid = int(words[0]) if words else 0
        except ValueError:
            pid = 0
        if pid <= 0:  # no pid: made by a process that could not write it, unless made just now
            return st.st_ino if time.time() - st.st_mtime >= EMPTY_LOCK_GRACE else None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return st.st_ino
        except OSError:  # alive, owned by another user
            return None
        return None

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)


_cache_cls: type[PersistedTokenCache] | None = None


def _cache_class() -> type[PersistedTokenCache]:
    """msal-extensions' PersistedTokenCache and FilePersistence with two changes: a write
    replaces the whole file atomically (a reader without the lock, like `CacheSnapshot` or
    another process's search, sees the old or the new cache, never a torn or empty one), and the
    lock file is 0600 (`PrivateLock`)."""
    global _cache_cls
    if _cache_cls is not None:
        return _cache_cls
    import msal
    from msal_extensions import FilePersistence, PersistedTokenCache

    class AtomicFilePersistence(FilePersistence):  # type: ignore[misc]
        def load(self) -> str:
            """The cache text, read bounded (never a FIFO, a device or a huge file)."""
            from msal_extensions.persistence import PersistenceNotFound

            try:
                raw = read_bounded(Path(self.get_location()))
            except Damaged as e:
                raise UserInputError(
                    f"exchange_online.token_cache: {self.get_location()} changed while in use "
                    f"and is no longer a token cache ({e}); run the command again."
                ) from None
            if raw is None:
                raise PersistenceNotFound(location=self.get_location())
            text = raw.decode("utf-8", "replace")
            return text if text.strip() else ""  # MSAL reads "" as an empty cache

        def save(self, content: str) -> None:
            """Called with the lock held (`modify`): a leftover temp file is a killed write's."""
            target = os.path.realpath(self.get_location())  # a symlinked cache stays a symlink
            remove_leftovers(Path(target))
            owner = owner_to_keep(Path(target))
            fd, tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(target)
            )  # mkstemp creates 0600
            try:
                chown_fd(fd, owner)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(content)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

    class AlloyTokenCache(PersistedTokenCache):  # type: ignore[misc]
        def modify(
            self,
            credential_type: str,
            old_entry: dict[str, Any],
            new_key_value_pairs: dict[str, Any] | None = None,
        ) -> None:
            with PrivateLock(self._lock_location):
                self._reload_if_necessary()
                msal.SerializableTokenCache.modify(
                    self, credential_type, old_entry, new_key_value_pairs=new_key_value_pairs
                )
                self._persistence.save(self.serialize())
                self._last_sync = time.time()

    AlloyTokenCache.persistence_class = AtomicFilePersistence
    _cache_cls = AlloyTokenCache
    return _cache_cls


def open_cache(path: Path) -> PersistedTokenCache:
    """A PersistedTokenCache on `path`, making sure of the folder (0700) and file (0600) modes.

    A file that is not a token cache (damaged outside alloy-tui, a FIFO, a device, too large,
    the wrong JSON shape) is moved aside to `<name>.damaged` (kept) so the next sign-in can
    write a fresh cache."""
    cls = _cache_class()
    check_folders(path)  # the folders first: setting a damaged file aside acts in them by path
    set_aside_if_damaged(path)
    secure_location(path)
    try:
        persistence = cls.persistence_class(str(path))
    except OSError as e:
        raise UserInputError(
            f"exchange_online.token_cache: cannot use {path} for the token cache: {e.strerror or e}."
        ) from None
    return cls(persistence)


def set_aside_if_damaged(path: Path) -> Path | None:
    """Move a damaged cache file to `<name>.damaged` and leave an empty 0600 file in its place.

    The entry at `path` itself is moved (a symlink stays a symlink, pointing where it did);
    only a regular file is made 0600 (never the target of a link, such as /dev/zero)."""
    snap = CacheSnapshot(path)
    if not snap.damaged:
        return None
    aside = path.with_name(path.name + ".damaged")
    with PrivateLock(str(path) + ".lockfile"):
        if not CacheSnapshot(path).damaged:  # another process repaired it meanwhile
            return None
        os.replace(path, aside)
        if stat.S_ISREG(os.lstat(aside).st_mode):
            os.chmod(aside, 0o600)
        secure_location(path)
    return aside


def secure_location(path: Path) -> None:
    """The cache's folder (each folder made 0700, whatever the umask) and file (0600)."""
    try:
        make_folder(path.parent, owner_to_keep(_nearest_existing(path.parent)))
    except FolderError as e:
        raise UserInputError(
            f"exchange_online.token_cache: {e}; choose a folder this user can write."
        ) from None
    check_folders(path)
    try:
        real = Path(os.path.realpath(path))
        if real.exists():
            st = os.lstat(real)
            if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                os.chmod(real, 0o600)
        else:
            owner = owner_to_keep(real)
            fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                chown_fd(fd, owner)
                os.fchmod(fd, 0o600)
            finally:
                os.close(fd)
    except FileExistsError:
        pass
    except OSError as e:
        raise UserInputError(
            f"exchange_online.token_cache: cannot create {path}: {e.strerror or e}; "
            "choose a folder this user can write."
        ) from None


def check_folders(path: Path) -> None:
    """Before the cache's path is handed to msal-extensions (which opens it by path): the
    folder holding it, and the folder a symlinked cache leads to, must each be a real folder
    (no symlink) of this user's, not writable by its group or others, under folders only root
    or this user may write (core/folders.py). Then nobody else can swap the file, its link or
    its folder between this check and msal-extensions' open. UserInputError otherwise."""
    from alloy_tui.core import folders

    where = {Path(os.path.abspath(path)).parent, Path(os.path.realpath(path)).parent}
    for folder in sorted(where):
        try:
            with folders.opened(folder, "the token cache's folder"):
                pass
        except FileNotFoundError:
            continue  # made by secure_location; a missing one is said when it is opened
        except folders.FolderCheckError as e:
            raise UserInputError(f"exchange_online.token_cache: {e}") from None
        above = folders.ancestors_problem(folder)
        if above:
            raise UserInputError(
                f"exchange_online.token_cache: the token cache's folder {folder} {above}."
            )


def owner_to_keep(target: Path) -> tuple[int, int] | None:
    """When root writes a service user's cache (`sudo alloy-tui --config ~svc/... login`), the
    (uid, gid) the new file must get so that user can still read it: the owner of the file it
    replaces, else of its folder. None when nothing needs changing (not root, or root's own)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = os.stat(target.parent)
    owner = (st.st_uid, st.st_gid)
    return None if owner == (os.geteuid(), os.getegid()) else owner


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def chown_fd(fd: int, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        os.fchown(fd, *owner)


def remove_killed_writes(path: Path) -> list[Path]:
    """Remove temp files a killed cache write left (each may hold a refresh token), under the
    cache's lock so no write in progress loses its file. For `logout`."""
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        return []
    with PrivateLock(str(path) + ".lockfile"):
        return remove_leftovers(target)
