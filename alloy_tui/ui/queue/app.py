"""`alloy-tui queue --live`: the queue screen on its own, as a small App."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from alloy_tui.core.config import Settings
from alloy_tui.ui.base_app import BaseApp
from alloy_tui.ui.queue.screen import QueueScreen


class QueueApp(BaseApp[None]):
    """Shows the outbox of ``settings``/``config_path``; closing the screen quits."""

    TITLE = "alloy-tui queue"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", key_display="^Q", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, settings: Settings, config_path: Path, *, poll: float = 0.2) -> None:
        super().__init__()
        self.settings = settings
        self.config_path = Path(config_path)
        self.poll = poll

    def on_mount(self) -> None:
        screen = QueueScreen(self.settings, self.config_path, poll=self.poll)
        self.push_screen(screen, lambda _: self.exit())


def run_live(settings: Settings, config_path: Path) -> None:
    QueueApp(settings, config_path).run()
