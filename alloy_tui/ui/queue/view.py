"""The queue's rows, drawn with the Line API: one line per message, only the visible ones built.

`QueueView` shows `order` (ids, newest first) out of `rows` (id -> `QueueRow`), both owned by
the screen; the screen calls `changed()` after it changed them. The cursor follows its message
(by id) when rows arrive above it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from alloy_tui.ui.queue.rows import QueueRow, header_text, row_text
from alloy_tui.ui.widgets.cursor_rows import CursorRows


class QueueHeader(Widget):
    """Column titles, laid out like the rows below."""

    def render(self) -> Content:
        view = self.screen.query(QueueView)
        width = self.size.width
        mode = "pending"
        if view:
            width = view.first().scrollable_content_region.width or width
            mode = view.first().mode
        return Content(header_text(width - 1, mode))  # after the rows' cursor marker


class QueueView(CursorRows, can_focus=True):
    """Newest message at the top; a cursor row; Enter asks for the details."""

    BINDINGS = [
        Binding("home", "move(0)", "Newest", show=False),
        Binding("end", "move(-1)", "Oldest", show=False),
        Binding("enter", "open", "Open", key_display="Enter"),
    ]
    COMPONENT_CLASSES = {"queueview--cursor", "queueview--failed", "queueview--sending"}

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Open(Message):
        def __init__(self, qid: str) -> None:
            self.qid = qid
            super().__init__()

    def __init__(
        self,
        rows: dict[str, QueueRow],
        *,
        clock: Callable[[], float] = time.time,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.clock = clock
        self.order: list[str] = []
        self.mode = "pending"
        self.hold: dict[str, Any] | None = None  # the queue's hold: pending rows say "held"

    @property
    def current(self) -> str | None:
        """The id under the cursor."""
        if 0 <= self.cursor_row < len(self.order):
            return self.order[self.cursor_row]
        return None

    def changed(self, order: list[str], keep: str | None) -> None:
        """New ``order``; the cursor stays on ``keep`` if it is still listed."""
        self.order = order
        # Before the first layout (the first batch can come that early) the region is 0 wide:
        # take the screen's width then, else no row would ever be drawn.
        width = self.scrollable_content_region.width or self.size.width or self.app.size.width
        self.virtual_size = Size(width, len(order))
        if keep is not None:
            try:
                self.cursor_row = order.index(keep)
            except ValueError:
                pass
        self.cursor_row = max(0, min(self.cursor_row, len(order) - 1))
        self.refresh()

    def select(self, qid: str) -> bool:
        if qid in self.rows and qid in self.order:
            self.move_to(self.order.index(qid))
            return True
        return False

    def action_move(self, row: int) -> None:
        self.move_to(row if row >= 0 else len(self.order) - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Open(self.current))

    def row_count(self) -> int:
        return len(self.order)

    def on_resize(self, event: events.Resize) -> None:
        self.changed(self.order, self.current)

    def _style(self, name: str) -> Style:
        only = self.get_component_rich_style(name, partial=True)
        if getattr(self.app, "no_color", False) and name != "queueview--cursor":
            return Style(bold=only.bold, italic=only.italic, reverse=only.reverse)
        full = self.get_component_rich_style(name)
        return Style(
            color=full.color if only.color else None,
            bgcolor=full.bgcolor if only.bgcolor else None,
            bold=only.bold,
            italic=only.italic,
        )

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        row = round(self.scroll_y) + y
        base = self.rich_style
        if row >= len(self.order):
            return Strip.blank(width, base)
        item = self.rows.get(self.order[row])
        if item is None:
            return Strip.blank(width, base)
        is_cursor = row == self.cursor_row
        if is_cursor:
            base = base + self._style("queueview--cursor")
        if item.state in ("failed", "sending"):
            base = base + self._style(f"queueview--{item.state}")
        text = row_text(item, width - 1, self.mode, self.clock(), self.hold)
        segments = [Segment("›" if is_cursor else " ", base), Segment(text, base)]
        return Strip(segments, width).apply_offsets(0, row)
