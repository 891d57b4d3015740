"""The health state file: ``health.json`` in the outbox folder (0600, written atomically).

It holds no token and no secret: when the sign-in was last refreshed and for which account,
what the last keep-alive found, and which alert conditions are raised (and when each was last
sent), so that every process (`keepalive`, the runner, `status --check`) sends each alert at
most once per ``[alerts] repeat_hours``. Changes are made under an flock on ``health.lock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATE_FILE = "health.json"
LOCK_FILE = "health.lock"
MAX_BYTES = 64 * 1024  # a bigger file is not ours: read as empty


def state_path(outbox: Path) -> Path:
    return Path(outbox) / STATE_FILE


def read_state(path: Path) -> dict[str, Any]:
    """The state, or {} when the file is missing, unreadable or not a JSON object."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as f:
            data = json.loads(f.read(MAX_BYTES + 1)[:MAX_BYTES] or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def updating(path: Path) -> Iterator[dict[str, Any]]:
    """Read the state under the lock, let the caller change it, write it back (0600, atomic).
    OSError if the folder cannot be created or written."""
    from alloy_tui.core.fs import FolderError, atomic_write, make_folder

    try:
        make_folder(path.parent)
    except FolderError as e:
        raise OSError(str(e)) from None
    fd = os.open(path.parent / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        state = read_state(path)
        yield state
        atomic_write(path, json.dumps(state, sort_keys=True, indent=1).encode())
    finally:
        os.close(fd)
