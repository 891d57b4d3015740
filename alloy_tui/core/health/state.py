"""The health state file: ``health.json`` in the outbox folder (0600, written atomically).

It holds no token and no secret: when the sign-in was last refreshed and for which account,
what the last keep-alive found, and which alert conditions are raised (and when each was last
sent), so that every process (`keepalive`, the runner, `status --check`) sends each alert at
most once per ``[alerts] repeat_hours``. Changes are made under an flock on ``health.lock``.
Both files are opened relative to the checked outbox folder (`core.folders`): a health.json
swapped for a symlink is never read or written through, and root never writes one here (it
becomes the config's owner first), so the file always belongs to the outbox's owner.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alloy_tui.core import filelocks

STATE_FILE = "health.json"
LOCK_FILE = "health.lock"
MAX_BYTES = 64 * 1024  # a bigger file is not ours: read as empty


def state_path(outbox: Path) -> Path:
    return Path(outbox) / STATE_FILE


def read_state(path: Path) -> dict[str, Any]:
    """The state, or {} when the file is missing, unreadable or not a JSON object (or the
    outbox folder is not this user's: `status --check` says so on its own)."""
    from alloy_tui.core import folders

    try:
        with folders.opened(path.parent, "the outbox") as dir_fd:
            data = folders.read_file(dir_fd, path.name, MAX_BYTES + 1)
    except OSError:
        return {}
    try:
        found = json.loads(data[:MAX_BYTES] or b"{}") if data is not None else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@contextlib.contextmanager
def updating(path: Path) -> Iterator[dict[str, Any]]:
    """Read the state under the lock, let the caller change it, write it back (0600, atomic),
    all relative to the checked outbox folder (never through a symlink, never in another
    user's folder). OSError (a FolderCheckError among them) if that can't be done."""
    from alloy_tui.core import folders
    from alloy_tui.core.fs import FolderError, make_folder

    try:
        make_folder(path.parent.parent)
    except FolderError as e:
        raise OSError(str(e)) from None
    with (
        folders.opened(path.parent, "the outbox", create=0o700) as dir_fd,
        filelocks.held(Path(LOCK_FILE), dir_fd=dir_fd),
    ):
        data = folders.read_file(dir_fd, path.name, MAX_BYTES + 1)
        try:
            state = json.loads(data[:MAX_BYTES] or b"{}") if data is not None else {}
        except ValueError:
            state = {}
        if not isinstance(state, dict):
            state = {}
        yield state
        folders.replace_file(
            dir_fd, path.name, json.dumps(state, sort_keys=True, indent=1).encode()
        )
