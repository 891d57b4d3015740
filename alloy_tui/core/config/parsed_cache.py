"""A private memo of the config's parse, so the doors that run for every cron job (sendmail) and
every monitoring poll (`status --check`) skip tomllib (about a tenth of a hand-off's time).

    mapping = recall(path, text, owner_uid)   # tomllib's result for exactly this text, or None
    remember(path, text, owner_uid, mapping)  # after a parse that worked

The memo is ``<state dir>/config-parsed.json``: the config's full text and tomllib's result. A hit
needs the very same text (compared whole, so no timestamp or hash can make it stale); the values'
checks still run on every read. It is used only by the config's owner, is 0600 in the owner's
existing state folder, and anything odd about it (another owner, a wider mode, a link, bad
JSON) is a miss: the file is read and parsed as if there were no memo. Writing it is best
effort and never fails a read. It holds no secret: the config holds none (tokens live in the
token cache, passwords come from password_command or password_env).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MEMO_NAME = "config-parsed.json"
MAX_MEMO_BYTES = 3 * 1024 * 1024  # the config is at most 1 MB; its parse is about as big again


def _memo_path() -> Path:
    from alloy_tui.core.config.paths import state_dir

    return state_dir() / MEMO_NAME


def _ours(st: os.stat_result, uid: int) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o077


def recall(path: Path, text: str, owner_uid: int) -> dict[str, Any] | None:
    """tomllib's result for `text` if the memo holds exactly this config's text, else None."""
    uid = os.geteuid()
    if uid != owner_uid:
        return None
    try:
        fd = os.open(_memo_path(), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not _ours(st, uid) or st.st_size > MAX_MEMO_BYTES:
            return None
        raw = os.read(fd, MAX_MEMO_BYTES + 1)
        memo = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        os.close(fd)
    if not isinstance(memo, dict):
        return None
    parsed = memo.get("parsed")
    if memo.get("path") == str(Path(path).absolute()) and memo.get("text") == text:
        return parsed if isinstance(parsed, dict) else None
    return None


def remember(path: Path, text: str, owner_uid: int, parsed: dict[str, Any]) -> None:
    """Keep `parsed` for the next read of this text (best effort: any failure is ignored)."""
    if os.geteuid() != owner_uid:
        return
    try:
        memo = {"path": str(Path(path).absolute()), "text": text, "parsed": parsed}
        data = json.dumps(memo, ensure_ascii=False, allow_nan=False).encode()
        if json.loads(data)["parsed"] != parsed:  # a TOML date or time: not kept as JSON
            return
        target = _memo_path()
        folder = os.lstat(target.parent)  # never created here: only an existing state folder
        if not (stat.S_ISDIR(folder.st_mode) and folder.st_uid == owner_uid):
            return
        _replace(target, data)
    except (OSError, TypeError, ValueError, RecursionError):
        return


def _replace(target: Path, data: bytes) -> None:
    from alloy_tui.core.fs import remove_quietly, write_temp  # only on a miss

    tmp = write_temp(target, data)
    try:
        os.replace(tmp, target)
    except OSError:
        remove_quietly(tmp)
        raise
