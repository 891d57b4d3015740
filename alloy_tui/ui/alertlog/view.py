"""The rows of the alert log, drawn with the Line API: only the visible rows are read and parsed.

The widget gets a ``Rows`` (start offsets, newest first) and a ``LogFile`` to read them from; it
keeps a small cache of parsed rows for the screen in view, nothing per line of the file.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import date, datetime
from typing import NamedTuple

from rich.cells import set_cell_size
from rich.color import Color
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

from alloy_tui.core.alertlog import Entry, LogFile, Rows, parse_ts
from alloy_tui.ui.alertlog.cells import fit, fit_event, headline
from alloy_tui.ui.widgets.cursor_rows import CursorRows

__all__ = ["ColumnHeader", "LogView", "columns", "fit", "fit_event", "header_text", "when_text"]

LEVEL_LABELS = {
    "info": "● INFO ",
    "warning": "▲ WARN ",
    "error": "✖ ERROR",
}
BAD_LABEL = "? BAD  "
CACHE_ROWS = 512
SLIM_CHARS = 4096  # more than any row can show
# With 16 colours the theme's warning (orange) and error (red) both land on bright red: use exact
# entries of the 16-colour palette there (bright cyan, bright yellow, bright red), given as RGB so
# that Textual's ANSI-to-RGB filter leaves them alone. Words and symbols still carry the meaning.
ANSI16_LEVELS = {
    "logview--info": Color.from_rgb(85, 255, 255),
    "logview--warning": Color.from_rgb(255, 255, 85),
    "logview--error": Color.from_rgb(255, 85, 85),
}


class Columns(NamedTuple):
    """Cell widths of a row's columns (a one-cell marker and single spaces between them)."""

    time: int
    level: int
    event: int
    message: int

    @property
    def wide(self) -> bool:
        return self.time >= 19


WIDE_AT = 110  # from here (a 120-column terminal) full dates and times
# Sized for the longest common events (test_message.failed, notification.failed) so that sent and
# failed read in full at 80 columns; signin.succeeded/cancelled/started fit with room to spare.
NARROW_EVENT = 19
NARROW_TIME = 12  # "Nov 30 14:02"
WIDE_EVENT = 28


def columns(width: int) -> Columns:
    """The column widths for a row of ``width`` cells. Narrow (an 80x24 SSH window): HH:MM:SS for
    today's entries and "Nov 30 14:02" for older ones, a symbol and the level word, the common
    event names whole, the message takes the rest. Wide (120+ columns): full dates."""
    if width >= WIDE_AT:
        time_w, level_w, event_w = 19, 7, WIDE_EVENT
    else:
        time_w, level_w, event_w = NARROW_TIME, 7, NARROW_EVENT
    # marker(1) time sp level sp event sp message
    message_w = max(0, width - (1 + time_w + 1 + level_w + 1 + event_w + 1))
    return Columns(time_w, level_w, event_w, message_w)


def local_today() -> date:
    return datetime.now().astimezone().date()


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when_text(entry: Entry, wide: bool, today: date | None = None) -> str:
    """Local time: full at wide widths; else HH:MM:SS when ``today``, "Nov 30 14:02" earlier
    this year (in English whatever the locale, like the rest of the screen), the date before."""
    when = parse_ts(entry.ts)
    if when is None:
        return entry.ts
    local = when.astimezone()
    if wide:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    day = today or local_today()
    if local.date() == day:
        return local.strftime("%H:%M:%S")
    if local.year == day.year:
        return f"{MONTHS[local.month - 1]} {local.day:>2} {local:%H:%M}"
    return local.strftime("%Y-%m-%d")


def slim(entry: Entry) -> Entry:
    """What a row needs of an entry: a long line kept whole in the row cache would hold up to
    1 MiB per row (512 MiB for a cache full of them). Details re-read the line from the file."""
    if len(entry.raw) <= SLIM_CHARS and len(entry.message) <= SLIM_CHARS:
        return entry
    return replace(
        entry, raw=entry.raw[:SLIM_CHARS], message=entry.message[:SLIM_CHARS], details={}
    )


def header_text(width: int) -> str:
    cols = columns(width)
    text = (
        " "
        + fit("Time", cols.time)
        + " "
        + fit("Level", cols.level)
        + " "
        + fit("Event", cols.event)
        + " "
        + fit("Message", cols.message)
    )
    return set_cell_size(text, width)


class ColumnHeader(Widget):
    """Column titles, laid out like the rows below (same width, scrollbar excluded)."""

    def render(self) -> Content:
        width = self.size.width
        view = self.screen.query(LogView)
        if view:
            width = view.first().scrollable_content_region.width or width
        return Content(header_text(width))


class LogView(CursorRows, can_focus=True):
    """Newest entry at the top; a cursor row; Enter asks for the details."""

    BINDINGS = [
        Binding("home", "newest", "Newest", show=False),
        Binding("end", "oldest", "Oldest", show=False),
        Binding("enter", "open", "Details", key_display="Enter"),
    ]

    COMPONENT_CLASSES = {
        "logview--cursor",
        "logview--time",
        "logview--info",
        "logview--warning",
        "logview--error",
        "logview--bad",
        "logview--event",
        "logview--match",
    }

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Open(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, start: int) -> None:
            self.start = start
            super().__init__()

    class MovedToTop(Message):
        """The view is back at the newest entry (Home, or scrolled up to it)."""

    def __init__(self, logfile: LogFile, rows: Rows, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.logfile = logfile
        self.rows = rows
        self.highlight: str = ""  # search text to mark in the rows
        self._cache: OrderedDict[tuple[int, int], Entry] = OrderedDict()

    # -- data ----------------------------------------------------------------------------------
    def set_rows(self, rows: Rows, keep_cursor: bool = False) -> None:
        self.rows = rows
        if not keep_cursor:
            self.cursor_row = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        self.rows_changed()

    def rows_changed(self) -> None:
        self.virtual_size = Size(
            self.scrollable_content_region.width or self.size.width, len(self.rows)
        )
        if self.cursor_row >= len(self.rows):
            self.cursor_row = max(0, len(self.rows) - 1)
        self.refresh()

    def added_at_top(self, n: int, follow: bool) -> None:
        """``n`` rows arrived above row 0. ``follow``: show them; else keep the view where it is."""
        self.virtual_size = Size(self.virtual_size.width, len(self.rows))
        if follow:
            if self.cursor_row > 0:
                self.cursor_row += n
        else:
            self.cursor_row += n
            self.scroll_to(y=self.scroll_y + n, animate=False, immediate=True)
        self.refresh()

    def clear_cache(self) -> None:
        self._cache.clear()
        self.refresh()

    def entry_at(self, row: int) -> Entry | None:
        if not 0 <= row < len(self.rows):
            return None
        start = self.rows.start(row)
        key = (self.logfile.ino, start)
        entry = self._cache.get(key)
        if entry is None:
            entry = slim(self.logfile.read_row(start)).for_terminal()
            self._cache[key] = entry
            if len(self._cache) > CACHE_ROWS:
                self._cache.popitem(last=False)
        return entry

    @property
    def at_top(self) -> bool:
        return round(self.scroll_y) == 0

    @property
    def cursor_start(self) -> int | None:
        if 0 <= self.cursor_row < len(self.rows):
            return self.rows.start(self.cursor_row)
        return None

    # -- moving ----------------------------------------------------------------------------------
    def move_to(self, row: int) -> bool:
        moved = super().move_to(row)
        if moved and round(self.scroll_y) == 0:
            self.post_message(self.MovedToTop())
        return moved

    def action_newest(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self.move_to(0)

    def action_oldest(self) -> None:
        self.move_to(len(self.rows) - 1)

    def action_open(self) -> None:
        start = self.cursor_start
        if start is not None:
            self.post_message(self.Open(start))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(new_value) == 0 and round(old_value) != 0:
            self.post_message(self.MovedToTop())

    def row_count(self) -> int:
        return len(self.rows)

    def on_resize(self, event: events.Resize) -> None:
        self.rows_changed()

    # -- drawing ---------------------------------------------------------------------------------
    def overlay_style(self, name: str) -> Style:
        """Only what a component class sets, with translucent colours blended onto the background."""
        full = self.get_component_rich_style(name)
        only = self.get_component_rich_style(name, partial=True)
        if getattr(self.app, "no_color", False) and name != "logview--cursor":
            # NO_COLOR turns colours into greys that can vanish on the background: words, symbols,
            # bold, italic, underline and reverse carry the meaning instead.
            return Style(
                bold=only.bold, italic=only.italic, underline=only.underline, reverse=only.reverse
            )
        if name in ANSI16_LEVELS and self.few_colours:
            return Style(color=ANSI16_LEVELS[name], bold=only.bold)
        return Style(
            color=full.color if only.color else None,
            bgcolor=full.bgcolor if only.bgcolor else None,
            bold=only.bold,
            italic=only.italic,
            underline=only.underline,
            reverse=only.reverse,
        )

    @property
    def few_colours(self) -> bool:
        """True on a 16-colour terminal (TERM=xterm, linux console)."""
        return self.app.console.color_system in ("standard", "windows")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        row = round(self.scroll_y) + y
        base = self.rich_style
        if row >= len(self.rows):
            return Strip.blank(width, base)
        entry = self.entry_at(row)
        assert entry is not None
        is_cursor = row == self.cursor_row
        if is_cursor:
            base = base + self.overlay_style("logview--cursor")
        segments = self._row_segments(entry, width, base, is_cursor)
        return Strip(segments, width).apply_offsets(0, row)

    def _row_segments(
        self, entry: Entry, width: int, base: Style, is_cursor: bool
    ) -> list[Segment]:
        cols = columns(width)
        style = self.overlay_style
        marker = Segment("›" if is_cursor else " ", base)
        if entry.valid or (entry.truncated and entry.level in LEVEL_LABELS):
            # A line too long to parse that starts like an entry keeps its level (an error stays
            # an error), its message marked as cut.
            when = fit(when_text(entry, cols.wide), cols.time)
            label = LEVEL_LABELS.get(entry.level, fit("? " + entry.level.upper(), cols.level))
            level_style = (
                style(f"logview--{entry.level}")
                if entry.level in LEVEL_LABELS
                else style("logview--bad")
            )
            event = fit_event(entry.event, cols.event)
            message = (
                headline(entry, cols.message)
                if entry.valid
                else "(cut: long line) " + entry.message
            )
        else:
            when = fit("-", cols.time)
            label = fit(BAD_LABEL, cols.level)
            level_style = style("logview--bad")
            event = fit("(cut: long line)" if entry.truncated else "(not an entry)", cols.event)
            message = entry.raw
        segments = [
            marker,
            Segment(when, base + style("logview--time")),
            Segment(" ", base),
            Segment(label, base + level_style),
            Segment(" ", base),
            Segment(event, base + style("logview--event")),
            Segment(" ", base),
        ]
        segments.extend(self._message_segments(fit(message, cols.message), base))
        return segments

    def _message_segments(self, text: str, base: Style) -> list[Segment]:
        needle = self.highlight.lower()
        lower = text.lower()
        if not needle or needle not in lower or len(lower) != len(text):
            return [Segment(text, base)]
        match_style = base + self.overlay_style("logview--match")
        out: list[Segment] = []
        i = 0
        while True:
            j = lower.find(needle, i)
            if j < 0:
                break
            if j > i:
                out.append(Segment(text[i:j], base))
            out.append(Segment(text[j : j + len(needle)], match_style))
            i = j + len(needle)
        if i < len(text):
            out.append(Segment(text[i:], base))
        return out
