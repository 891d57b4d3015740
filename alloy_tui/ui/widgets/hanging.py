"""Text whose wrapped lines keep their indent ("hanging indent").

Each line's continuation starts under where its content starts: under the value of a
``Label:   value`` line, under the text of an indented line, under the label of a radio option.
The wrapping happens at render time, at whatever width the widget has.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text
from textual.widgets import Static

#: Where the content of a line starts: after leading spaces, a "> (●) " / "[x] " marker, or a
#: "Label:" lined up by two or more spaces after it (as in "  Through:  SMTP server ...").
CONTENT_START = re.compile(r"^[ >]*(?:[(\[][ ●x][)\]] )?(?:[A-Za-z][\w'/-]{0,15}: {2,}(?=\S))?")
#: The same for "Label   value" rows without a colon (the alert log's entry details).
COLUMN_START = re.compile(r"^(?:[A-Za-z]\w{0,15} {2,}(?=\S)| +)")
#: "  Label words:   value" rows (the wizard's summaries): the value's column.
LABELLED_ROW = re.compile(r"^ *(?:[A-Za-z'][^:\n]{0,23}: {2,}(?=\S))?")
#: Help and plans: after a list item's marker ("  1. ", "  • "), or in the second column of an
#: indented "Key   what it does" row.
LIST_ITEM = re.compile(r"^(?: *(?:[•*-]|\d+[.)]) +| +(?:\S.{0,15}? {2,}(?=\S))?)")
#: A line led by a state mark ("✓ ", "⚠ ", "✗ "): its wrapped lines start under the text.
MARKED = re.compile(r"^ *(?:[✓⚠✗] )?")
#: "    command        what it does" rows: the description's column.
COMMAND_ROW = re.compile(r"^ +(?:\S.*? {2,}(?=\S))?")
#: The sandbox guide's indented facts ("    not granted by: a, b, c"): wrapped lines start
#: under the second word, deeper than the fact itself, so they never read as a new one.
GUIDE_FACT = re.compile(r"^ +\S+ +")
#: A value that has no room beside its label goes under it, this much further in.
UNDER = 4
#: Leave room for at least this many cells of text after an indent.
MIN_TEXT = 12


class HangingText:
    """A rich renderable for `text` (a str or rich Text); str() gives the plain text back."""

    def __init__(self, text: str | Text, pattern: re.Pattern[str] = CONTENT_START) -> None:
        self.text = Text(text) if isinstance(text, str) else text
        self.pattern = pattern

    def __str__(self) -> str:
        return self.text.plain

    def _indent(self, plain: str) -> int:
        match = self.pattern.match(plain)
        return len(match.group(0)) if match else 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        for line in self.text.split("\n", allow_blank=True):
            plain = line.plain
            indent = self._indent(plain)
            if cell_len(plain) <= width or width - indent < MIN_TEXT:
                yield line
                continue
            head, rest = line[:indent], line[indent:]
            longest = max((cell_len(word) for word in rest.plain.split()), default=0)
            lead_spaces = len(plain) - len(plain.lstrip(" "))
            if longest > width - indent and indent > lead_spaces + UNDER:
                # A word (an id, a path) would be cut beside the label: the value goes under
                # it, further in, so it reads whole.
                head.rstrip()
                yield head
                indent = lead_spaces + UNDER
                head = Text(" " * indent)
            for i, part in enumerate(rest.wrap(console, width - indent)):
                lead = head.copy() if i == 0 else Text(" " * indent)
                part.rstrip()
                yield Text.assemble(lead, part)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((cell_len(x) for x in self.text.plain.split("\n")), default=0)
        return Measurement(min(longest, MIN_TEXT), longest)


class HangingStatic(Static):
    """A Static whose wrapped lines keep their indent. `content` is the plain text, as for any
    Static; render() gives the HangingText (str() of it is that text too)."""

    def __init__(self, text: str = "", pattern: re.Pattern[str] = CONTENT_START, **kw: Any) -> None:
        super().__init__(text, markup=False, **kw)
        self._pattern = pattern
        self._hanging = HangingText(text, pattern)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self._hanging = HangingText(str(content), self._pattern)
        super().update(str(content), layout=layout)

    def render(self) -> HangingText:
        return self._hanging
