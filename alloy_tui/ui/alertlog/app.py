"""`alloy-tui log --live`: the alert-log screen on its own, as a small App."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from alloy_tui.core.config import AlertLog, Settings
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from alloy_tui.ui.base_app import BaseApp


class AlertLogApp(BaseApp[None]):
    """Shows the alert log at ``path`` (rotated as ``settings`` say); closing the screen quits."""

    TITLE = "alloy-tui alert log"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", key_display="^Q", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        path: Path,
        settings: AlertLog | None = None,
        *,
        poll: float = 0.005,
        queue: tuple[Settings, Path] | None = None,
    ) -> None:
        super().__init__()
        from alloy_tui.ui.console_font import use_console_font

        use_console_font(self)  # TERM=linux: glyphs the console font has
        self.log_path = Path(path)
        self.settings = settings
        self.poll = poll
        self.queue = queue  # the settings and config path of the outbox o opens

    def open_queue(self, select: str | None = None) -> None:
        """The queue screen over the log (Esc comes back)."""
        from alloy_tui.ui.queue import QueueScreen

        if self.queue is None or any(isinstance(s, QueueScreen) for s in self.screen_stack):
            return
        self.push_screen(QueueScreen(*self.queue, select=select))

    def on_mount(self) -> None:
        screen = AlertLogScreen(self.log_path, self.settings, poll=self.poll)
        self.push_screen(screen, lambda _: self.exit())


def run_live(
    path: Path, settings: AlertLog | None = None, queue: tuple[Settings, Path] | None = None
) -> None:
    AlertLogApp(path, settings, queue=queue).run()
