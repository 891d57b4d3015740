"""The base class of both apps (the wizard and `log --live`): a crash report that cannot show a
secret, and the only place in alloy-tui that uses Textual's private API.

Textual's own crash screen prints a traceback *with local variables*, so an unexpected error
inside sign-in or sending could put part of a token on the screen (and in a scrollback or a
screen recording). Our apps print the traceback without locals instead.

Private names used here, and why:
- `App._fatal_error` (overridden), `App._exit_renderables`, `App._close_messages_no_wait`: the
  crash report, as Textual builds it, minus the locals. No public hook replaces the traceback.
- `App._check_bindings`, `DOMNode._bindings`: the wizard runs a text field's own key bindings in
  the field's turn (see `AlloyApp.on_event`); Textual has no public way to ask which bindings a
  widget has for a key, or to run the binding chain for a key by hand.
Private names can change in any release, so Textual is pinned to one version in pyproject.toml;
tests/ui/test_crash_screen.py and tests/ui/wizard/test_keys.py fail if a new version moves them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from textual.app import App

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.dom import DOMNode

    from alloy_tui.ui.workers import ThreadFailed

R = TypeVar("R")


class BaseApp(App[R], Generic[R]):
    """An App whose crash report drops local variables; wrappers for the private API we need."""

    def _fatal_error(self) -> None:
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def on_thread_failed(self, message: ThreadFailed) -> None:
        """A thread worker stopped on an unexpected error (`ui/workers.py`): said on screen."""
        self.notify(
            f"{message.what} stopped: {message.error}",
            title="Unexpected error",
            severity="error",
            timeout=30,
            markup=False,
        )

    @staticmethod
    def own_bindings(node: DOMNode, key: str) -> list[Binding]:
        """The non-priority bindings `node` itself has for `key` (not its parents')."""
        return [b for b in node._bindings.key_to_bindings.get(key, ()) if not b.priority]

    async def run_bindings(self, key: str, *, priority: bool = False) -> bool:
        """Run the binding chain for `key` as Textual would (priority: from the App down);
        False when no binding took it."""
        return await self._check_bindings(key, priority=priority)
