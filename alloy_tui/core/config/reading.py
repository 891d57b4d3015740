"""Reading config.toml: the bytes (or one clear sentence why not), the text, the parse.

Split from store.py; ``store`` re-exports ConfigError and ConfigChangedError.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import AlloyError

if TYPE_CHECKING:
    import tomlkit

MAX_CONFIG_BYTES = 1024 * 1024  # a config file is a few KB; anything this big is the wrong file
# Tables and arrays inside each other: the settings need 3 levels. tomllib and tomlkit recurse
# once per level (a RecursionError near 500), and so does anything that walks the values.
MAX_NESTING = 32


class ConfigError(AlloyError):
    """The config file can't be used; ``lines`` holds one sentence per problem."""

    def __init__(self, lines: list[str] | str) -> None:
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


class ConfigChangedError(ConfigError):
    """The file on disk is not the one that was loaded: saving would lose someone's edit."""


def read_bytes(path: Path, missing_ok: bool) -> tuple[bytes, os.stat_result] | None:
    """The file's bytes, or None if it does not exist (and that is allowed); else ConfigError."""
    fd = _open(path, missing_ok)
    if fd is None:
        return None
    try:
        return _read_regular(path, fd)
    except PermissionError:
        raise ConfigError(f"cannot read {path}: permission denied.") from None
    except IsADirectoryError:
        raise ConfigError(_folder_message(path)) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}.") from None
    finally:
        os.close(fd)


def _open(path: Path, missing_ok: bool) -> int | None:
    """A read-only descriptor (non-blocking: a FIFO must not hang us); None if missing and ok."""
    try:
        return os.open(
            path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        )
    except FileNotFoundError:
        if os.path.islink(path):
            raise ConfigError(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist."
            ) from None
        if missing_ok:
            return None
        raise ConfigError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(_folder_message(path)) from None
    except NotADirectoryError:
        raise ConfigError(
            f"{path} cannot be opened: a part of that path is a file, not a folder."
        ) from None
    except PermissionError:
        raise ConfigError(
            f"cannot read {path}: permission denied; run alloy-tui as the user who owns it, or fix its permissions."
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}.") from None


def _read_regular(path: Path, fd: int) -> tuple[bytes, os.stat_result]:
    """All bytes of an open regular file of a config's size; ConfigError for anything else."""
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        raise ConfigError(_folder_message(path))
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(
            f"{path} is not a regular file (a pipe, socket or device); the config must be a plain file."
        )
    if st.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path} is {st.st_size // 1024} KB, too large to be an alloy-tui config file; check the path."
        )
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks), st


def _folder_message(path: Path) -> str:
    return (
        f"{path} is a folder, not a config file; point --config (or $ALLOY_TUI_CONFIG) "
        f"at a file such as {path / 'config.toml'}."
    )


def decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x}); save the file as UTF-8."
        ) from None
    return text.removeprefix("\ufeff")


_AT_LINE = re.compile(r"\s*\(?at line (\d+),? col(?:umn)? (\d+)\)?\s*$")


def _invalid(path: Path, message: str, col_base: int) -> ConfigError:
    m = _AT_LINE.search(message)
    reason = (message[: m.start()] if m else message).rstrip(".")
    where = f"{path}:{m.group(1)}:{int(m.group(2)) + 1 - col_base}" if m else str(path)
    return ConfigError(f"{where}: not valid TOML: {reason}.")


def _too_deep(path: Path) -> ConfigError:
    return ConfigError(
        f"{path}: not a usable config: values nested more than {MAX_NESTING} deep "
        "(arrays or tables inside each other); an alloy-tui config needs at most 3."
    )


def nesting_depth(value: object) -> int:
    """How deep tables and arrays sit inside each other (a scalar is 0), without recursion."""
    deepest = 0
    todo: list[tuple[object, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            break
        todo.extend((child, depth + 1) for child in children)
    return deepest


def parse_plain(path: Path, text: str) -> dict[str, Any]:
    """Plain values with tomllib (strict and fast); ConfigError with file:line:col if invalid,
    or if the values nest deeper than MAX_NESTING."""
    import tomllib  # here: a memoised read (parsed_cache) never needs it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        strict = str(e)
    except RecursionError:
        raise _too_deep(path) from None
    else:
        if nesting_depth(data) > MAX_NESTING:
            raise _too_deep(path)
        return data
    # tomlkit's messages say more ("Key "port" already exists"); use them when it agrees.
    try:
        parse_document(path, text)
    except ConfigError as e:
        raise e from None
    raise _invalid(path, strict, col_base=1)


def parse_document(path: Path, text: str) -> tomlkit.TOMLDocument:
    """The comment-preserving document (tomlkit), parsed only when it is needed."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(text)
    except RecursionError:
        raise _too_deep(path) from None
    except TOMLKitError as e:
        message = str(e).replace("'\\n'", "end of line")
        if not _AT_LINE.search(message):  # e.g. a duplicate key: borrow tomllib's position
            import tomllib

            try:
                tomllib.loads(text)
            except tomllib.TOMLDecodeError as strict:
                m = _AT_LINE.search(str(strict))
                if m:
                    message = (
                        f"{message.rstrip('.')} at line {m.group(1)} col {int(m.group(2)) - 1}"
                    )
        raise _invalid(path, message, col_base=0) from None
