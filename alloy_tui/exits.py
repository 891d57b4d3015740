"""How every entry point ends on an error: one clear line on stderr, a non-zero exit, no traceback.

Exit 1: a send or sign-in failed (the explanation says why and how to fix it).
Exit 2: bad input or settings. Exit 130: interrupted (128 + the signal: SIGTERM 143, SIGHUP 129).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from alloy_tui.core.config import SettingsError
from alloy_tui.core.errors import AlloyError, ExplainedError


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def run_guarded(fn: Callable[[], object]) -> None:
    try:
        fn()
    except ExplainedError as e:
        ex = e.explanation
        _err(f"alloy-tui: {ex.title}")
        _err(f"  Why: {ex.cause}")
        _err(f"  Fix: {ex.fix}")
        sys.exit(getattr(e, "exit_code", 1))  # 2 for a message over the size limit
    except SettingsError as e:
        for line in e.lines:
            _err(f"alloy-tui: {line}")
        sys.exit(2)
    except AlloyError as e:
        for line in getattr(e, "lines", None) or [str(e)]:
            _err(f"alloy-tui: {line}")
        sys.exit(2)
    except KeyboardInterrupt as e:
        _err("Interrupted.")
        sys.exit(getattr(e, "exit_code", 130))
    except BrokenPipeError:
        sys.exit(0)
