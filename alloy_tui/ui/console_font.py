"""TERM=linux (the Linux text console): its fonts hold about 512 glyphs, roughly code page 437,
so the check marks, the warning sign and the eighth-block borders Textual draws come out as
diamonds. A line filter swaps each for the nearest glyph the console has, one cell for one."""

from __future__ import annotations

import os
from typing import Any

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

#: Glyph -> a console-font glyph of the same width (1 cell).
FALLBACK = {
    # status marks
    "✓": "√",
    "✗": "x",
    "⚠": "!",
    "●": "*",
    "○": "o",
    "•": "*",
    "…": "~",
    # eighth blocks (Textual's "tall" borders, scroll bars)
    "▔": "▀",
    "▁": "▄",
    "▂": "▄",
    "▃": "▄",
    "▅": "▄",
    "▆": "▄",
    "▇": "█",
    "▊": "▌",
    "▉": "█",
    "▋": "▌",
    "▍": "▌",
    "▎": "▐",
    "▏": "│",
    "▕": "│",
    # rounded and heavy boxes -> the square and double ones
    "╭": "┌",
    "╮": "┐",
    "╰": "└",
    "╯": "┘",
    "━": "═",
    "┃": "║",
    "┏": "╔",
    "┓": "╗",
    "┗": "╚",
    "┛": "╝",
}
_TABLE = str.maketrans(FALLBACK)


class ConsoleFontFilter(LineFilter):
    """Replaces glyphs the Linux console font lacks (see FALLBACK)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text.translate(_TABLE), style, control) if not control else segment
            for segment in segments
            for text, style, control in (segment,)
        ]


def needs_console_font() -> bool:
    return os.environ.get("TERM", "") == "linux"


def use_console_font(app: Any) -> None:
    """Add the filter to a Textual App when running on the Linux console."""
    if needs_console_font():
        app._filters.append(ConsoleFontFilter())  # Textual's own NO_COLOR filter lives here
