"""sendmail's one error: a sentence and a sysexits code (no import: cron's path)."""

from __future__ import annotations

import sys

# The message could not be taken for reasons of this machine, not of the message: the outbox
# or maildrop can't be written (73), is full (75), or nothing is set up for this user (78).
NOT_TAKEN = (73, 75, 78)  # os.EX_CANTCREAT, os.EX_TEMPFAIL, os.EX_CONFIG


class HandoffError(Exception):
    """Nothing was queued; `exit_code` is sysexits. `permission`: because this user may not
    read the config or write the outbox (sendmail then hands the message to the maildrop)."""

    def __init__(self, message: str, exit_code: int, *, permission: bool = False) -> None:
        self.exit_code = exit_code
        self.permission = permission
        super().__init__(message)


def say(line: str) -> None:
    """One line on stderr, nothing a terminal acts on (an option word may hold an escape
    sequence); a closed stderr never changes the exit code."""
    if not line.isprintable():
        from alloy_tui.core.terminal_text import printable

        line = printable(line)
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
