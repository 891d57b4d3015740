"""Whether this process can show a full-screen UI (the wizard, the live alert log)."""

from __future__ import annotations

import os
import sys

from alloy_tui.core.errors import UserInputError

WIZARD_INSTEAD = "for scripts use `alloy-tui status`, `login`, `test-send` or `send` (see --help)"


def require_fullscreen(what: str, instead: str) -> None:
    """Refuse, in one sentence, when there is no terminal to draw on (cron, pipes, TERM=dumb)."""
    if os.environ.get("TERM", "") == "dumb":
        raise UserInputError(
            f"{what} needs a full-screen terminal, and TERM=dumb is not one; {instead}."
        )
    if not (sys.stdin and sys.stdout and sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserInputError(
            f"{what} needs a terminal (standard input and output are not one here); {instead}."
        )
