"""How every entry point ends on an error: one clear line on stderr, a non-zero exit, no traceback.

Exit 1: a send or sign-in failed (the explanation says why and how to fix it).
Exit 2: bad input or settings. Exit 130: interrupted (128 + the signal: SIGTERM 143, SIGHUP 129).

`fail` is the one way out with an error, for the commands and for `run_guarded` alike; what it
prints passes through `printable`, so no escape sequence a server sent reaches the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation, printable


def _err(line: str) -> None:
    print(printable(line, multiline=True), file=sys.stderr)


def fail(
    problem: str | Sequence[str] | Explanation, code: int = 2, *, prefix: str = "alloy-tui: "
) -> NoReturn:
    """Print the problem on stderr and exit with `code`: each line of a text (or list of
    lines) as `<prefix><line>`; an Explanation as its title, `Why:` and `Fix:` lines."""
    if isinstance(problem, Explanation):
        lines = [f"{prefix}{problem.title}", f"  Why: {problem.cause}", f"  Fix: {problem.fix}"]
    else:
        texts = [problem] if isinstance(problem, str) else list(problem)
        lines = [f"{prefix}{text}" for text in texts]
    for line in lines:
        _err(line)
    raise SystemExit(code)


def run_guarded(fn: Callable[[], object]) -> None:
    try:
        fn()
    except ExplainedError as e:
        fail(e.explanation, e.exit_code)
    except AlloyError as e:  # ConfigError and SettingsError carry one line per problem
        fail(getattr(e, "lines", None) or [str(e)], 2)
    except KeyboardInterrupt as e:
        _err("Interrupted.")
        sys.exit(getattr(e, "exit_code", 130))
    except BrokenPipeError:
        sys.exit(0)
