"""`alloy-tui log --live`: the alert-log screen on its own, as a small App."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from alloy_tui.core.alertlog import DEFAULT_KEEP, DEFAULT_MAX_BYTES, DEFAULT_RETENTION_DAYS
from alloy_tui.ui.alertlog.screen import AlertLogScreen
from alloy_tui.ui.crash import NoLocalsCrashMixin


class AlertLogApp(NoLocalsCrashMixin, App[None]):
    """Shows the alert log at ``path``; closing the screen quits."""

    TITLE = "alloy-tui alert log"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep: int = DEFAULT_KEEP,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        poll: float = 0.005,
    ) -> None:
        super().__init__()
        from alloy_tui.ui.console_font import use_console_font

        use_console_font(self)  # TERM=linux: glyphs the console font has
        self.screen_args = dict(
            max_bytes=max_bytes, keep=keep, retention_days=retention_days, poll=poll
        )
        self.log_path = Path(path)

    def on_mount(self) -> None:
        self.push_screen(AlertLogScreen(self.log_path, **self.screen_args), lambda _: self.exit())  # type: ignore[arg-type]


def run_live(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    keep: int = DEFAULT_KEEP,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> None:
    AlertLogApp(path, max_bytes=max_bytes, keep=keep, retention_days=retention_days).run()
