"""How a command reports an outcome that already happened: a delivered message stays delivered.

The result line goes to stdout, but a full disk behind `> file` or a closed pipe (`send | true`)
never turns a sent message into exit 1 or a traceback. An alert log that could not be written is a
warning on stderr, never the command's exit status.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click


def drop_stdout() -> None:
    """Point fd 1 at /dev/null so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def echo_result(line: str) -> None:
    """The result line on stdout. A closed pipe drops it quietly; a full disk says so on stderr."""
    try:
        click.echo(line)
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as e:
        drop_stdout()
        if not isinstance(e, BrokenPipeError):
            click.echo(
                f"alloy-tui: warning: could not write to standard output "
                f"({e.strerror or e}); the result was: {line}",
                err=True,
            )


def warn_unwritten_log() -> None:
    """One stderr line per reason the alert log could not take this command's entries."""
    from alloy_tui.core.alertlog import take_unwritten

    for problem in take_unwritten():
        with contextlib.suppress(OSError):
            click.echo(
                f"alloy-tui: warning: {problem}; this attempt is not in the log. "
                "Fix: point [alert_log] path at a file alloy-tui can write (or free disk space).",
                err=True,
            )


@contextlib.contextmanager
def log_warnings() -> Iterator[None]:
    """Warn about an unwritten alert log after the block, whether it succeeded or failed."""
    try:
        yield
    finally:
        warn_unwritten_log()
