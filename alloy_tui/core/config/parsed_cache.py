"""A private memo of the config's parse, so the doors that run for every cron job (sendmail) and
every monitoring poll (`status --check`) skip tomllib (about a tenth of a hand-off's time).

    hit = recall(path, text, owner_uid)   # Recalled(parsed, withheld) for exactly this text, or None
    remember(path, text, owner_uid, mapping)  # after a parse whose values all passed the checks

The memo is ``<state dir>/config-parsed.json``: a BLAKE2b digest of the config's text (not the
text) and tomllib's result without its secrets. A hit needs the very same text (its digest;
no timestamp can make it stale); the values' checks still run on every read. It is used only by
the config's owner, is 0600 in the owner's existing state folder, and anything odd about it
(another owner, a wider mode, a link, bad JSON, an older layout) is a miss: the file is read
and parsed as if there were no memo. Writing it is best effort and never fails a read.

It holds no secret: every key `is_secret_setting` names (the webhook URL, a password_command,
any key named like a password, token or secret, known or not) is left out, and listed by name
in ``withheld``. A reader that asks for one of those gets it from the config's text it already
holds, parsed then (`quick.Values`): the doors (sendmail, `status --check`) never ask.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, NamedTuple

from alloy_tui.core.config.secret_keys import is_secret_setting

MEMO_NAME = "config-parsed.json"
MAX_MEMO_BYTES = 3 * 1024 * 1024  # the config is at most 1 MB; its parse is about as big again


class Recalled(NamedTuple):
    parsed: dict[str, Any]  # tomllib's result, without the keys in `withheld`
    withheld: frozenset[str]  # the dotted keys left out as secrets ("alerts.webhook_url")


def digest(text: str) -> str:
    """The text's BLAKE2b-256, hex (_blake2 alone: hashlib's OpenSSL costs a door ~2 ms)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def without_secrets(value: Any, prefix: str = "") -> tuple[Any, list[str]]:
    """`value` (a TOML parse) without any key `is_secret_setting` names, at any depth (tables
    in arrays too), and the dotted names of those left out."""
    if isinstance(value, list):
        kept_items, names = [], []
        for item in value:
            kept, left = without_secrets(item, prefix)
            kept_items.append(kept)
            names += left
        return kept_items, names
    if not isinstance(value, dict):
        return value, []
    out: dict[str, Any] = {}
    withheld: list[str] = []
    for key, item in value.items():
        dotted = f"{prefix}{key}"
        secret = is_secret_setting(dotted) or is_secret_setting(str(key))
        if secret and item not in ("", None, False):  # an empty one is no secret
            withheld.append(dotted)
            continue
        out[key], left = without_secrets(item, dotted + ".")
        withheld += left
    return out, withheld


def _memo_path() -> Path:
    from alloy_tui.core.config.paths import state_dir

    return state_dir() / MEMO_NAME


def _ours(st: os.stat_result, uid: int) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_uid == uid and not st.st_mode & 0o077


def recall(path: Path, text: str, owner_uid: int) -> Recalled | None:
    """tomllib's result for `text` (without its secrets) if the memo was kept for exactly this
    config's text, else None."""
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
    parsed, withheld = memo.get("parsed"), memo.get("withheld")
    if not isinstance(parsed, dict) or not isinstance(withheld, list):
        return None
    if memo.get("path") != str(Path(path).absolute()) or memo.get("digest") != digest(text):
        return None
    return Recalled(parsed, frozenset(str(name) for name in withheld))


def remember(path: Path, text: str, owner_uid: int, parsed: dict[str, Any]) -> None:
    """Keep `parsed`, without its secrets, for the next read of this text (best effort: any
    failure is ignored)."""
    if os.geteuid() != owner_uid:
        return
    try:
        kept, withheld = without_secrets(parsed)
        memo = {
            "path": str(Path(path).absolute()),
            "digest": digest(text),
            "parsed": kept,
            "withheld": withheld,
        }
        data = json.dumps(memo, ensure_ascii=False, allow_nan=False).encode()
        if json.loads(data)["parsed"] != kept:  # a TOML date or time: not kept as JSON
            return
        _replace(_memo_path(), data)
    except (OSError, TypeError, ValueError, RecursionError):
        return


def _replace(target: Path, data: bytes) -> None:
    """Write the memo relative to the checked state folder (never created here: only an
    existing folder of this user's, never through a symlink; `core.folders`)."""
    from alloy_tui.core import folders  # only on a miss

    with folders.opened(target.parent, "the state folder") as dir_fd:
        folders.replace_file(dir_fd, target.name, data)
