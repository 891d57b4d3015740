"""`alloy-tui status --check`, the monitoring plugin, without click: launch.py runs it
directly for `alloy-tui [--config P] status --check` (it runs every minute on every server).
No msal, httpx, exchangelib, Textual or click on the OK path (a test checks sys.modules).
"""

from __future__ import annotations

import sys

# The Nagios plugin API: anything unexpected is UNKNOWN, never a traceback.
UNKNOWN = 3


def check_main(config: str | None) -> int:
    """Print the check's lines; returns the exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)."""
    try:
        from alloy_tui.core.become import BecomeError, become_owner_of
        from alloy_tui.core.config import paths
        from alloy_tui.core.errors import printable
        from alloy_tui.core.health import run_check

        config_path = paths.config_path(config)
        try:  # root checking another user's config: as that user (never root in its folders)
            become_owner_of(config_path)
        except BecomeError as e:
            sys.stdout.write(f"ALLOY-TUI UNKNOWN - {printable(str(e))}\n")
            return UNKNOWN
        result = run_check(config_path)
        lines = [printable(line) for line in result.lines()]
        code = result.status
    except Exception as e:  # the plugin contract: one line, exit 3
        lines = [f"ALLOY-TUI UNKNOWN - the check itself failed: {type(e).__name__}: {e}"]
        code = UNKNOWN
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except OSError:  # nobody reads it (`| head -0`): the status is the exit code all the same
        _drop_stdout()
    return code


def _drop_stdout() -> None:
    """fd 1 to /dev/null, so the flush at exit cannot fail again (outcome.drop_stdout, without
    importing click on the monitoring path)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass
