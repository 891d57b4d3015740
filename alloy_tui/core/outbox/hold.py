"""The queue's hold: a failure with a `service` or `settings` verdict stops every message until
`until`, then one message probes. Kept in ``<outbox>/hold.json`` (0600, written whole) so that
`status`, `status --check` and `queue list` can say why mail waits, and so that `queue retry`,
`queue delete` and `queue flush` can lift it at once (the runner reads the file at each pass).

    {"since": 1900000000.0,  "until": 1900000060.0,  "probes": 1,
     "verdict": "service",    "queue_id": "...",       "reason": {"title", "code", "cause", "fix"}}

A success lifts it; a failure whose verdict is `message`, `recipients` or `retry` does not renew
it (the service answered about that message alone). The file is read, replaced and removed
relative to the checked outbox folder (`core.folders`), never through a symlink.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from alloy_tui.core import folders

NAME = "hold.json"


def hold_path(outbox: Path) -> Path:
    return Path(outbox) / NAME


def read_hold(outbox: Path) -> dict[str, Any] | None:
    """The hold as last written, or None (none, or unreadable: a hold is never invented)."""
    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            return hold_in(dir_fd)
    except OSError:
        return None


def hold_in(outbox_fd: int) -> dict[str, Any] | None:
    """`read_hold` in the outbox folder already open (a checked descriptor)."""
    try:
        raw = folders.read_file(outbox_fd, NAME, 1 << 20)
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        data["until"] = float(data["until"])
        data["since"] = float(data.get("since") or data["until"])
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(data.get("reason"), dict):
        data["reason"] = {}
    return data


def write_hold(outbox: Path, hold: dict[str, Any]) -> None:
    """Replace the hold (temp file, rename: a reader sees the old one or the new one)."""
    data = json.dumps(hold, sort_keys=True).encode()
    with (
        contextlib.suppress(OSError),  # the hold lives in memory too; the file is for others
        folders.opened(Path(outbox), "the outbox") as root,
        folders.opened(Path(outbox) / "tmp", "the outbox folder", parent_fd=root) as tmp_fd,
    ):
        tmp = folders.write_temp(tmp_fd, NAME, data)  # in tmp/: a killed write is tidied
        try:
            os.replace(tmp, NAME, src_dir_fd=tmp_fd, dst_dir_fd=root)
        except OSError:
            folders.unlink_quietly(tmp_fd, tmp)
            raise
        folders.fsync_fd(root)


def lift_hold(outbox: Path) -> bool:
    """Remove the hold; True if there was one."""
    try:
        with folders.opened(Path(outbox), "the outbox") as dir_fd:
            os.unlink(NAME, dir_fd=dir_fd)
    except OSError:
        return False
    return True


def held_now(hold: dict[str, Any] | None, now: float) -> bool:
    return hold is not None and now < float(hold.get("until") or 0)


def reason_text(hold: dict[str, Any]) -> str:
    """The hold's cause in a few words: "Microsoft Graph is busy [http.503]"."""
    reason = hold.get("reason") or {}
    title = str(reason.get("title") or "a service failure")
    code = str(reason.get("code") or "")
    return f"{title} [{code}]" if code else title


def clock_time(ts: float, now: float) -> str:
    """ "23:15" (local time), with the date when it is not today."""
    when = datetime.fromtimestamp(ts).astimezone()
    today = datetime.fromtimestamp(now).astimezone().date()
    return when.strftime("%H:%M" if when.date() == today else "%Y-%m-%d %H:%M")


def reason_words(error: dict[str, Any], limit: int = 200) -> str:
    """An explained error in a sentence: its title, then its cause (shortened)."""
    from alloy_tui.core.errors import printable

    title = str(error.get("title") or "").rstrip(".")
    cause = " ".join(str(error.get("cause") or "").split())
    text = f"{title}: {cause}" if title and cause else title or cause or "unknown failure"
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hold_sentence(hold: dict[str, Any], now: float) -> str:
    """ "held until 23:15: Microsoft Graph is busy (since 22:10)"."""
    until = float(hold.get("until") or 0)
    reason = reason_words(hold.get("reason") or {}, 160)
    when = f"held until {clock_time(until, now)}" if until > now else "held (a probe is due)"
    return f"{when}: {reason} (since {clock_time(float(hold['since']), now)})"
