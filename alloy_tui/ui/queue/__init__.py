"""The queue screen: what waits in the outbox, live (`alloy-tui queue --live`, F2 in the wizard)."""

from alloy_tui.ui.queue.screen import QueueScreen

__all__ = ["QueueScreen"]
