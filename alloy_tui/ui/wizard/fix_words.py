"""An explained failure's Fix, in the wizard's words: what to press, not which command to run.

The core's explanations are written for the shell ("run `alloy-tui login`"); inside the wizard
the same fix is a key on a step ("press r to sign in again").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_LOGIN = r"`alloy-tui login`"


def _sign_in(on_signin: bool) -> str:
    return "press r to sign in again" if on_signin else "go back to Sign in (Esc) and press r"


def _capital(match: re.Match[str], words: str) -> str:
    return words[0].upper() + words[1:] if match.group(0)[0].isupper() else words


def wizard_fix(fix: str, *, on_signin: bool = False) -> str:
    """`fix` with the shell commands the wizard has keys for replaced by those keys."""
    again = _sign_in(on_signin)
    rules: list[tuple[str, str]] = [
        (rf"[Rr]un {_LOGIN}( again)?( to (sign in|start) again)?( \([^)]*\))?", again),
        (rf"[Ss]ign in again with {_LOGIN}", again),
        (rf"then {_LOGIN}( again)?", "then " + again),
        (rf"with {_LOGIN}", f"({again})"),
        (_LOGIN, again),
        (r"[Rr]un `alloy-tui test-send`( again)?", "press ^T again"),
        (r"`alloy-tui log( -n \d+)?`", "^L"),
        (
            r"`alloy-tui status` shows the sign-in's health",
            "the Sign in step shows who is signed in",
        ),
    ]
    for pattern, words in rules:
        fix = re.sub(pattern, _replacer(words), fix)
    return fix


def _replacer(words: str) -> Callable[[re.Match[str]], str]:
    return lambda m: _capital(m, words)


def for_wizard(explanation: Any, *, on_signin: bool = False) -> Any:
    """A copy of an Explanation whose Fix names the wizard's keys."""
    fix = wizard_fix(str(explanation.fix), on_signin=on_signin)
    return explanation.replace(fix=fix) if fix != explanation.fix else explanation
