"""The queue screen: what waits in the outbox, live (`alloy-tui queue --live`, ^O)."""

from alloy_tui.ui.queue.screen import QueueScreen

__all__ = ["QueueScreen"]
