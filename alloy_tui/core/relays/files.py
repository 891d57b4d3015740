"""Reading a relay's files under a root folder: bounded, decoded, each line numbered.

Files are read, never run; a file that is missing is None, one that can't be read is a
`RelayReadError` naming it. Paths are shown as on the system (`/etc/msmtprc`), whatever the root.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from alloy_tui.core.relays.model import RelayReadError

MAX_BYTES = 1 << 20  # no relay file is bigger; a larger one is refused, not read whole


class Root:
    """The tree the relays are read from: `/`, or `--root DIR` (tests, chroots, images)."""

    def __init__(self, path: str | os.PathLike[str] = "/") -> None:
        self.path = Path(path)

    @property
    def is_system(self) -> bool:
        return self.path.resolve() == Path("/")

    def real(self, system_path: str) -> Path:
        """Where `/etc/x` is under this root."""
        return self.path / system_path.lstrip("/")

    def shown(self, real: Path) -> str:
        """`/etc/x` for a path under this root."""
        try:
            return "/" + str(real.relative_to(self.path)).lstrip("/")
        except ValueError:
            return str(real)

    def exists(self, system_path: str) -> bool:
        return os.path.lexists(self.real(system_path))

    def read(self, system_path: str) -> str | None:
        """The text of a file, or None when it does not exist."""
        real = self.real(system_path)
        try:
            # O_NONBLOCK: a FIFO a user planted (~/.msmtprc, a site's .env) must not hang root
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
            with open(fd, "rb") as f:
                st = os.fstat(f.fileno())
                if stat.S_ISDIR(st.st_mode):
                    raise IsADirectoryError
                if not stat.S_ISREG(st.st_mode):
                    raise RelayReadError(system_path, 0, "is not a regular file")
                data = f.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise RelayReadError(system_path, 0, "is a folder, not a file") from None
        except OSError as e:
            raise RelayReadError(system_path, 0, f"cannot be read: {e.strerror}") from None
        if len(data) > MAX_BYTES:
            raise RelayReadError(system_path, 0, f"is larger than {MAX_BYTES} bytes")
        return data.decode("utf-8", errors="replace")

    def glob(self, system_dir: str, pattern: str) -> list[str]:
        """System paths of the files matching `pattern` in a folder, sorted."""
        folder = self.real(system_dir)
        try:
            names = sorted(p.name for p in folder.glob(pattern))
        except OSError:
            return []
        return [f"{system_dir.rstrip('/')}/{n}" for n in names]


def numbered(text: str, comment: str = "#") -> Iterator[tuple[int, str]]:
    """(line number, stripped line) for every line that is not empty or a whole-line comment."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line and not (comment and line.startswith(comment)):
            yield number, line


def continued(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines in postfix's style: a line that starts with white space continues the one
    before; comment lines (first non-blank `#`) and blank lines are skipped (postconf(5))."""
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if raw[:1].isspace() and current:
            current.append(stripped)
            continue
        if current:
            yield start, " ".join(current)
        current, start = [stripped], number
    if current:
        yield start, " ".join(current)


def backslashed(text: str) -> Iterator[tuple[int, str]]:
    """Logical lines joined at a trailing backslash (smtpd.conf); `#` starts a comment."""
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not current:
            start = number
        if line.endswith("\\"):
            current.append(line[:-1].strip())
            continue
        current.append(line)
        joined = " ".join(p for p in current if p)
        current = []
        if joined:
            yield start, joined
    if current and any(current):
        yield start, " ".join(p for p in current if p)


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return line[:i]
    return line


ADDRESS = re.compile(r"^[^@\s,;:<>\"]+@[^@\s,;:<>\"]+\.[^@\s,;:<>\"]+$")


def is_address(text: str) -> bool:
    return bool(ADDRESS.match(text))


def on(value: str) -> bool:
    """A boolean argument; a command given bare (msmtp's `tls`) is on."""
    return value.strip().strip("\"'").lower() in ("", "on", "yes", "true", "1")


def word_and_rest(line: str) -> tuple[str, str]:
    """`command   argument with spaces` (spaces or tabs) -> ("command", "argument with spaces")."""
    parts = line.strip().split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (parts[0] if parts else "", "")
