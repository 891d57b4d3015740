"""How much mail waits in the maildrop, for `status` and `status --check`: read-only, one
listing of the folder, each entry lstat'ed (never followed), nothing opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from alloy_tui.core.config import paths
from alloy_tui.core.maildrop.drop_file import DEFAULT_MAILDROP


class Waiting(NamedTuple):
    files: int | None = None  # None: the folder could not be listed (or there is none)
    oldest_s: int | None = None  # the oldest entry's age in seconds (None: nothing waits)
    folder: Path = DEFAULT_MAILDROP
    problem: str = ""  # why it could not be listed ("" when it could, or it does not exist)


def maildrop_folder(value: str, config_path: Path) -> Path:
    """``[queue] maildrop`` (the value as configured), else the default folder."""
    if not value:
        return DEFAULT_MAILDROP
    return paths.resolve_setting_path(value, Path(config_path), "maildrop")


def waiting_files(folder: Path, now: float) -> Waiting:
    """Entries waiting to be taken (a name not starting with a dot: a finished drop file, or
    whatever else was put there) and the oldest one's age, by its lstat mtime."""
    count, oldest = 0, None
    try:
        with os.scandir(folder) as it:
            for entry in it:
                if entry.name.startswith("."):
                    continue  # a drop file still being written
                try:
                    mtime = entry.stat(follow_symlinks=False).st_mtime
                except OSError:
                    continue  # taken meanwhile
                count += 1
                oldest = mtime if oldest is None else min(oldest, mtime)
    except FileNotFoundError:
        return Waiting(None, None, folder)
    except OSError as e:
        return Waiting(None, None, folder, f"{folder} cannot be listed: {e.strerror or e}")
    age = None if oldest is None else int(max(0.0, now - oldest))
    return Waiting(count, age, folder)
