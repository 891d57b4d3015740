"""The wizard's App: loads the config, runs the steps in order, and asks before quitting unsaved.

`AlloyApp(config_path, sandbox=None)` is the factory tests use; `run_wizard(config_path, sandbox)`
is what the command line calls for a bare `alloy-tui`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.binding import Binding, BindingType

from alloy_tui.ui.base_app import BaseApp
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.workers import run_in_thread

if TYPE_CHECKING:
    import asyncio

    from textual.widget import Widget

    from alloy_tui.sandbox.session import SandboxSession
    from alloy_tui.ui.outbox_note import OutboxCounts


class AlloyApp(BaseApp[Path | None]):
    """The setup wizard. Returns the saved config path, or None when quit without saving."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses in tests find it too
    TITLE = "alloy-tui setup"
    ENABLE_COMMAND_PALETTE = False
    ESCAPE_TO_MINIMIZE = False
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (110, "-wide"),
        (150, "-xwide"),  # one class per breakpoint: "-wide -xwide" would be a single name
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quit", key_display="^Q", priority=True),
        # Ctrl+C is what a terminal user presses first: the same question, never a silent no-op.
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        config_path: Path,
        sandbox: SandboxSession | None = None,
        *,
        clock: Callable[[], float] = time.time,
        today: date | None = None,
        start_flow: bool = True,
    ) -> None:
        super().__init__()
        from alloy_tui.ui.console_font import use_console_font

        use_console_font(self)  # TERM=linux: glyphs the console font has
        self.state = WizardState(config_path=Path(config_path), sandbox=sandbox)
        self.clock = clock
        self.today = today  # None: the real date (the EWS warning's wording follows it)
        self._start_flow = start_flow
        self.outbox_note = ""  # "3 pending, 1 failed: F2 queue" while the outbox is not empty

    def on_mount(self) -> None:
        self.call_after_refresh(self._watch_outbox)  # after the first frame: never delays it
        if self.state.config_path.exists():
            self.load_config()  # the welcome step shows what is set now
        else:
            self.call_after_refresh(self.load_config)  # first run: draw first, read defaults after
        if self._start_flow:
            from alloy_tui.ui.wizard.flow import push_welcome

            self.run_flow(push_welcome(self))  # the first frame is the welcome step, not blank

    def load_config(self) -> None:
        """Read the config (or defaults when there is none). A broken file is shown, never overwritten."""
        from alloy_tui.core.config import store
        from alloy_tui.core.errors import AlloyError

        state = self.state
        try:
            loaded = store.load_or_default(state.config_path)
        except (AlloyError, OSError, ValueError) as e:
            state.loaded = None
            state.load_error = str(e).splitlines() or [type(e).__name__]
            return
        state.loaded = loaded
        state.load_error = []
        state.draft = loaded.settings

    @work(exclusive=True, group="wizard-flow")
    async def run_flow(self, first: asyncio.Future[Any] | None = None) -> None:
        from alloy_tui.ui.wizard.flow import run_steps

        await run_steps(self, first)

    async def on_event(self, event: events.Event) -> None:
        """Keep a text field's keys in the order they were typed.

        Textual runs a field's key bindings (Backspace, Ctrl+U, Home, Enter...) only after the key
        has bubbled up to the App, while letters are handled by the field at once: "abc" then
        Ctrl+U then "help" arriving in one burst (a paste, tmux, a batched SSH packet) ends up
        as "". So a field's own bindings are queued behind the letters already sent to it.

        A key that arrives between two steps (one dismissed, the next not pushed yet) has no
        screen to go to and is dropped, rather than crashing the app with ScreenStackError."""
        if isinstance(event, events.Key) and not self.screen_stack:
            return
        if isinstance(event, events.Key) and (own := self._focused_field_bindings(event)):
            if not await self.run_bindings(event.key, priority=True):
                field = self.focused  # the Input whose bindings `own` are
                if field is not None:
                    field.call_later(self._field_key, field, own[0].action, event.key)
            return
        await super().on_event(event)

    def _focused_field_bindings(self, event: events.Key) -> list[Binding]:
        """The focused text field's own (non-priority) bindings for this non-printable key."""
        if event.is_forwarded or event.is_printable:
            return []
        from textual.widgets import Input  # here, not per event: only keys get this far

        focused = self.focused
        if not isinstance(focused, Input):
            return []
        return self.own_bindings(focused, event.key)

    async def _field_key(self, field: Widget, action: str, key: str) -> None:
        """A field's binding, in the field's turn; what it skips goes on up as usual."""
        if field.is_attached and await self.run_action(action, field):
            return
        await self.run_bindings(key)

    # -- app-wide actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "request_quit":
            # Asking already: y and n answer, and the footer shows just those. (No dialog can
            # be up before its module is loaded: the first frame does not wait for it.)
            dialogs = sys.modules.get("alloy_tui.ui.wizard.dialogs")
            return dialogs is None or not isinstance(self.screen, dialogs.ConfirmQuitScreen)
        return True

    def action_request_quit(self) -> None:
        from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen

        if any(isinstance(s, ConfirmQuitScreen) for s in self.screen_stack):
            return
        changes = self.state.unsaved() if self.state.saved_path is None else []
        edited = getattr(self.screen, "edited", None)  # a step's fields typed in, not taken yet
        if self.state.saved_path is None and edited is not None:
            changes += [(f"{name} (being typed)", "", "") for name in edited()]
        if not changes:
            self.exit(self.state.saved_path)
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit(None)

        self.push_screen(ConfirmQuitScreen(changes), answered)

    # -- the outbox ----------------------------------------------------------------------------
    def _watch_outbox(self) -> None:
        import threading
        from functools import partial

        from alloy_tui.core.outbox import outbox_path
        from alloy_tui.ui.outbox_note import watch_counts

        self._outbox_stop = threading.Event()
        folder = outbox_path(self.state.draft, self.state.config_path)
        watch = partial(watch_counts, self, folder, self._outbox_stop)
        run_in_thread(self, watch, what="Counting the queue", group="outbox-note")

    def on_outbox_counts(self, message: OutboxCounts) -> None:
        from alloy_tui.ui.outbox_note import note

        self.outbox_note = note(message.pending, message.failed)
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_title", None)
            if refresh is not None:
                refresh()

    def on_unmount(self) -> None:
        stop = getattr(self, "_outbox_stop", None)
        if stop is not None:
            stop.set()

    def open_queue(self, select: str | None = None) -> None:
        """The queue screen over the current step or the alert log (Esc comes back)."""
        from alloy_tui.ui.queue import QueueScreen

        if any(isinstance(s, QueueScreen) for s in self.screen_stack):
            return
        self.push_screen(QueueScreen(self.state.draft, self.state.config_path, select=select))

    def alert_log_path(self) -> Path:
        from alloy_tui.core.config import paths

        return paths.alert_log_path(self.state.draft.alert_log.path, self.state.config_path)

    def open_alert_log(self) -> None:
        """The live alert-log screen over the current step (Esc comes back to the step)."""
        from alloy_tui.ui.alertlog import AlertLogScreen

        if any(isinstance(s, AlertLogScreen) for s in self.screen_stack):
            return
        self.push_screen(AlertLogScreen(self.alert_log_path(), self.state.draft.alert_log))


def run_wizard(config_path: Path, sandbox: SandboxSession | None = None) -> None:
    """Open the wizard for `config_path` (with `--sandbox`, the throwaway sandbox config)."""
    app = AlloyApp(config_path, sandbox=sandbox)
    saved = app.run()
    if saved is not None:
        note = " (sandbox: removed now)" if sandbox is not None else ""
        print(f"Settings saved to {saved}{note}.")  # news, not an error: no "alloy-tui:" prefix
    elif app.return_code:
        raise SystemExit(app.return_code)
