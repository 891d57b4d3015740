"""Reading the token cache file safely: bounded, regular files only, MSAL's schema checked.

Whatever sits at the cache path (a FIFO, a link to /dev/zero, a huge file, JSON of the wrong
shape) is either a cache MSAL and `cache_read` can use as it is, or *damaged* with a reason a
person can read. Nothing here blocks, reads without bound, or lets a wrong type through to MSAL
(whose code indexes entries and calls ``int()`` and ``.lower()`` on their fields).
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from alloy_tui.core.errors import Explanation, LocalProblem

MAX_CACHE_BYTES = 4 * 2**20  # a cache with a few accounts is a few KiB

# Per section: fields that must be text when present (MSAL writes null for some of them),
# fields that must be text, and fields that must hold a whole number (as MSAL writes them).
_TEXT_OR_NULL = ("home_account_id", "environment", "client_id", "realm")
_TEXT_WHEN_SET = ("target", "secret", "token_type", "family_id", "key_id", "ext_cache_key")
_TEXT = {"Account": ("username",)}
_NUMBERS = ("expires_on", "cached_at", "extended_expires_on", "refresh_on")
_CREDENTIALS = ("AccessToken", "RefreshToken", "IdToken")
_SECTIONS = ("Account", *_CREDENTIALS, "AppMetadata")
_WHOLE = re.compile(r"\s*[+-]?\d{1,18}\s*")


class Damaged(Exception):
    """The file at the cache path is not a token cache; the message says why, in words."""


def unreadable(path: Path, e: OSError) -> LocalProblem:
    """The cache exists but this user may not open it: say which file and what to run."""
    user = _user_name()
    return LocalProblem(
        Explanation(
            title="The token cache cannot be read",
            cause=f"alloy-tui (running as {user}) may not read the token cache {path} "
            f"({e.strerror or e}).",
            fix=f"Run alloy-tui as the user that owns {path} (`ls -l {path}`), or give it to "
            f"this user: chown {user} {path} && chmod 600 {path}.",
            code="token_cache.unreadable",
            verdict="settings",
        )
    )


def _user_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return "this user"


def read_bounded(path: Path) -> bytes | None:
    """The cache file's bytes, None when there is none. Raises Damaged for anything that is
    not a regular file under MAX_CACHE_BYTES, ExplainedError when it cannot be opened.

    A symlinked cache is allowed (the link is resolved first); the file it points to is then
    opened without following links and without blocking, and must be a regular file."""
    real = os.path.realpath(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise Damaged(f"{real} is a symbolic link that could not be resolved") from None
        raise unreadable(path, e) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Damaged(f"{real} is not a regular file (it is {_kind(st.st_mode)})")
        if st.st_size > MAX_CACHE_BYTES:
            raise Damaged(_too_big(real))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CACHE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CACHE_BYTES:
            raise Damaged(_too_big(real))
        return b"".join(chunks)
    except OSError as e:
        raise unreadable(path, e) from None
    finally:
        os.close(fd)


def _too_big(real: str) -> str:
    return f"{real} is larger than {MAX_CACHE_BYTES // 2**20} MiB, far more than a token cache"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def parse_cache(data: bytes) -> dict[str, Any]:
    """The cache JSON (``{}`` for an empty file); Damaged when it is not MSAL's schema."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Damaged("it is not UTF-8 text") from None
    if not text.strip():
        return {}
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise Damaged("it is not JSON") from None
    if not isinstance(doc, dict):
        raise Damaged("it is not a JSON object")
    problem = shape_problem(doc)
    if problem:
        raise Damaged(problem)
    return doc


def shape_problem(doc: dict[str, Any]) -> str:
    """'' when MSAL's code and ours can use every entry; else what is wrong, in words."""
    for section in _SECTIONS:
        if section not in doc:
            continue
        entries = doc[section]
        if not isinstance(entries, dict):
            return f"its {section} section is not a table"
        for entry in entries.values():
            problem = _entry_problem(section, entry)
            if problem:
                return f"an entry in its {section} section {problem}"
    return ""


def _entry_problem(section: str, entry: Any) -> str:
    if not isinstance(entry, dict):
        return "is not a table"
    for name in _TEXT_OR_NULL:
        if entry.get(name) is not None and not isinstance(entry[name], str):
            return f"has a {name} that is not text"
    for name in _TEXT_WHEN_SET:
        if name in entry and not isinstance(entry[name], str):
            return f"has a {name} that is not text"
    for name in _TEXT.get(section, ()):
        if not isinstance(entry.get(name), str):
            return f"has no {name}"
    if section in _CREDENTIALS and entry.get("credential_type") != section:
        return "has the wrong credential_type"
    if section == "AccessToken" and "expires_on" not in entry:
        return "has no expires_on"
    for name in _NUMBERS:
        if name in entry and not _whole_number(entry[name]):
            return f"has a {name} that is not a number"
    return ""


def _whole_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) < 10**18
    return isinstance(value, str) and _WHOLE.fullmatch(value) is not None
