"""The secrets file: ``secrets.toml`` in the state folder, TOML tables of username = password
per service. Read only when it is mode 0600 and owned by the user; written atomically (temp file
+ rename, 0600). Used by `secrets`; nothing here puts a password in an exception.

Never by path: the state folder is opened as a checked folder (core/folders.py: owned by this
user, not writable by others, no symlink) and the file relative to it (``O_NOFOLLOW``, checked on
its descriptor), so a symlink swap of the folder or the file never makes alloy-tui read or
write passwords elsewhere.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from alloy_tui.core.config import paths
from alloy_tui.core.errors import Explanation, LocalProblem, UserInputError
from alloy_tui.core.filelocks import folder_lock
from alloy_tui.core.fs import (
    FolderError,
    make_folder,
    remove_leftovers,
)

SECRETS_FILE = "secrets.toml"


def secrets_path() -> Path:
    return paths.state_dir() / SECRETS_FILE


MAX_SECRETS_BYTES = 1 << 20
_FOLDER_FIX = "Make the state folder a real folder of this user's, writable by it alone"


def _check_file(st: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise _refused(
            "The secrets file is not a regular file",
            f"{path} is not a regular file; alloy-tui reads passwords only from one.",
            f"Move it away: mv {path} {path}.bad",
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise _refused(
            "The secrets file can be read or written by other users",
            f"{path} has mode {mode:04o}, so users other than its owner can read or change the "
            "passwords in it; alloy-tui refuses to use it.",
            f"Make it private: chmod 600 {path}",
        )
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        owner, me = _user(st.st_uid), _user(os.geteuid())
        raise _refused(
            "The secrets file belongs to another user",
            f"{path} belongs to {owner}, but alloy-tui runs as {me}; it reads passwords only "
            "from a file of its own user.",
            f"Run alloy-tui as {owner} (e.g. `sudo -u {owner} alloy-tui ...`), or, if {me} "
            f"should own it: chown {me} {path}",
        )


def _refused(title: str, cause: str, fix: str) -> LocalProblem:
    return LocalProblem(
        Explanation(title=title, cause=cause, fix=fix, code="secrets.file", verdict="settings")
    )


def _user(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def _read_all() -> dict[str, dict[str, str]]:
    path = secrets_path()
    raw = _read_bytes(path)
    if raw is None:
        return {}
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        # The parser's message can quote the file's text; keep only where it broke.
        where = str(e).rsplit("(", 1)[-1].rstrip(")") if "(" in str(e) else "unknown place"
        raise UserInputError(
            f"{path} is not valid TOML ({where}); fix or delete it and store the password again."
        ) from None
    out: dict[str, dict[str, str]] = {}
    for service, table in data.items():
        if isinstance(table, dict):
            out[service] = {str(u): v for u, v in table.items() if isinstance(v, str)}
    return out


def _read_bytes(path: Path) -> bytes | None:
    """The secrets file's bytes, read relative to the checked state folder; None if missing."""
    from alloy_tui.core import folders

    try:
        with folders.opened(path.parent, "the state folder") as dir_fd:
            flags = os.O_RDONLY | os.O_NONBLOCK | folders.FILE_NOFOLLOW
            try:
                fd = os.open(path.name, flags, dir_fd=dir_fd)
            except FileNotFoundError:
                return None
            except OSError as e:
                raise folders.file_error(e, path) from None
            try:
                _check_file(os.fstat(fd), path)
                return os.read(fd, MAX_SECRETS_BYTES)
            finally:
                os.close(fd)
    except FileNotFoundError:
        return None
    except folders.FolderCheckError as e:
        raise _refused("The secrets file can't be used safely", str(e), _FOLDER_FIX) from None


def _write_all(data: dict[str, dict[str, str]]) -> Path:
    import tomlkit

    path = secrets_path()
    doc = tomlkit.document()
    doc.add(
        tomlkit.comment("alloy-tui passwords (SMTP, Exchange Server). Keep this file mode 0600.")
    )
    for service in sorted(data):
        if data[service]:
            table = tomlkit.table()
            for user in sorted(data[service]):
                table.add(user, data[service][user])
            doc.add(service, table)
    text = tomlkit.dumps(doc)
    try:
        make_folder(path.parent)
    except FolderError as e:
        raise UserInputError(f"Cannot store the password: {e}.") from None
    from alloy_tui.core import folders

    with folder_lock(path.parent):
        remove_leftovers(path, ".secrets-*.tmp")  # a killed write's copy of every password
        remove_leftovers(path, f".{SECRETS_FILE}.*.tmp")
        try:
            with folders.opened(path.parent, "the state folder") as dir_fd:
                folders.replace_file(dir_fd, SECRETS_FILE, text.encode("utf-8"))
        except folders.FolderCheckError as e:
            raise _refused("The secrets file can't be used safely", str(e), _FOLDER_FIX) from None
    return path
