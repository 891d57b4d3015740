"""A crash report that cannot show a secret.

Textual's own crash screen prints a traceback *with local variables*, so an unexpected error
inside sign-in or sending could put part of a token on the screen (and in a scrollback or a
screen recording). Our apps print the traceback without locals instead.
"""

from __future__ import annotations

from typing import Any


class NoLocalsCrashMixin:
    """Mix into an App (before App in the bases) to drop locals from the crash traceback."""

    def _fatal_error(self: Any) -> None:
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()
