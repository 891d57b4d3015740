"""A scrolling list of drawn rows (the Line API, never a widget per row) with a cursor row:
the keys and clicks that move it, shared by the alert-log and the queue views."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.scroll_view import ScrollView


class CursorRows(ScrollView):
    """Subclasses draw the rows and say how many there are (`row_count`) and what Enter or a double click opens (`action_open`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    cursor_row: int

    def row_count(self) -> int:
        raise NotImplementedError

    def move_to(self, row: int) -> bool:
        """Put the cursor on `row` (clamped) and scroll it into sight; False when there are no rows."""
        count = self.row_count()
        if count == 0:
            return False
        row = max(0, min(count - 1, row))
        self.cursor_row = row
        height = self.scrollable_content_region.height
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif height and row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        self.refresh()
        return True

    def action_open(self) -> None:
        raise NotImplementedError

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True)
        self.move_to(self.cursor_row + direction * height)

    def on_click(self, event: events.Click) -> None:
        row = round(self.scroll_y) + event.y
        if 0 <= row < self.row_count():
            self.move_to(row)
            if event.chain >= 2:
                self.action_open()
