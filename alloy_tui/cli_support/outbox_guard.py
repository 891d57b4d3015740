"""The queue commands on an outbox (or, for the daemon, a state folder) that can't be used: one
line ``alloy-tui: the outbox /x is read-only ...`` and exit 1 (78 for `queue run --daemon`,
which the unit's ``RestartPreventExitStatus=`` lists), never a traceback. An alert log that
can't be written is a warning: mail still goes.

`check_outbox` looks before the command touches anything; `guarded` catches what a race
(or a file inside) still raises.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from alloy_tui.commands.context import CliContext, fail

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings

EX_CONFIG = 78


def check_outbox(obj: CliContext, *, write: bool, daemon: bool = False) -> Settings:
    """Exit with one line when the outbox (for the daemon: the state folder and the alert log
    too) is not, and can't become, a folder this user can write. Returns the settings it read
    (the command uses them: the config is parsed once)."""
    from alloy_tui.core.health import outbox_problem, place_problems

    settings = obj.load().settings
    if not write:  # list, show: a missing outbox is an empty one; it must be a folder we read
        said = outbox_problem(settings, obj.config_path, write=False)
        if said:
            fail(said, 1)
        return settings
    keys = ("queue.path", "") if daemon else ("queue.path",)
    found = place_problems(settings, obj.config_path, only=keys)
    if found:
        fail([p.text for p in found], EX_CONFIG if daemon else 1)
    for p in place_problems(settings, obj.config_path, only=("alert_log.path",)):
        # mail still goes (a log must never hold it hostage), but nothing records it: say so
        click.echo(f"alloy-tui: warning: {p.text} (mail is still sent, not recorded)", err=True)
    return settings


@contextlib.contextmanager
def guarded(
    obj: CliContext, code: int = 1, *, outbox_errors: bool = True, transient_code: int | None = None
) -> Iterator[None]:
    """An OSError (or, with `outbox_errors`, an outbox error) escaping the block: one line,
    exit `code`; `transient_code` instead for what time can fix (a full disk, too many open
    files, an outbox error), so the daemon's unit restarts it rather than giving up (78)."""
    from alloy_tui.core.outbox import OutboxError

    later = code if transient_code is None else transient_code
    try:
        yield
    except OSError as e:
        fail(_line(obj, e), later if e.errno in _TRANSIENT else code)
    except OutboxError as e:
        if not outbox_errors:
            raise
        ex = e.explanation
        fail(f"{ex.cause} Fix: {ex.fix}", later)


_TRANSIENT = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EMFILE, errno.ENFILE, errno.EIO, errno.ENOMEM, errno.EAGAIN}
)


def _line(obj: CliContext, e: OSError) -> str:
    from alloy_tui.core.folders import FolderCheckError
    from alloy_tui.core.health import os_error_line

    if isinstance(e, FolderCheckError):  # a symlink or another user's: it says which, and the fix
        return str(e)

    return os_error_line(e, obj.load().settings, obj.config_path)
