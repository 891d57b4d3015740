"""Small screens every step can open: help, quit confirmation, and a plain alert-log list."""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from alloy_tui.ui.widgets.hanging import LIST_ITEM, HangingStatic

_LIST_START = re.compile(r"^(\s|[•*-] |\d+[.)] |Keys:)")
#: A list item's marker: "  1. ", "  • ", "- ".
_ITEM = re.compile(r"^ *(?:[•*-]|\d+[.)]) +")


def reflow(text: str) -> str:
    """Join the lines of each paragraph so the help wraps to the window, not at 80 columns.

    Lines that start indented, or with a bullet, a number or "Keys:", stay lines of their own
    (lists, commands, examples); a line ending in ':' ends its paragraph. A list item's
    continuation lines (indented to its text) join the item, so it wraps as one, under its
    text (see `hanging.LIST_ITEM`)."""
    out: list[str] = []
    joinable = False  # the last line in `out` is prose that the next prose line continues
    item_text = -1  # the last line in `out` is a list item whose text starts at this column
    for line in text.strip().splitlines():
        if not line.strip():
            out.append("")
            joinable, item_text = False, -1
            continue
        starts_item = bool(_LIST_START.match(line))
        indent = len(line) - len(line.lstrip(" "))
        if item_text > 0 and indent == item_text and not _ITEM.match(line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
            continue
        if joinable and not starts_item:
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line.rstrip())
        marker = _ITEM.match(line)
        item_text = marker.end() if marker else -1
        joinable = not line.startswith((" ", "\t")) and not line.rstrip().endswith(":")
    return "\n".join(out)


class HelpScreen(ModalScreen[None]):
    """The help text of one step. Esc, F1, ? or q closes it. Its own footer: while it is open,
    the step's keys do nothing, so the footer shows the dialog's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close help", key_display="Esc"),
        Binding("f1,question_mark,q", "close", "Close help", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog") as box:
            # On the border: always in sight, however long the text (it scrolls with Up/Down).
            box.border_subtitle = "Esc, F1 or q: close · Up/Down, PgUp/PgDn: scroll"
            yield Static(f"Help: {self.title_text}", classes="dialog-title", markup=False)
            with VerticalScroll(id="help-text"):
                # Wrapped lines keep their indent: a list item's under its text.
                yield HangingStatic(reflow(self.text) or "No help for this step.", LIST_ITEM)
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmQuitScreen(ModalScreen[bool]):
    """Asked before quitting with unsaved changes. y quits without saving; n or Esc stays."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit without saving"),
        Binding("n,escape", "answer(False)", "Stay", key_display="n/Esc"),
    ]

    def __init__(self, changes: list[tuple[str, object, object]]) -> None:
        super().__init__()
        self.changes = changes

    def compose(self) -> ComposeResult:
        n = len(self.changes)
        keys = ", ".join(k for k, _, _ in self.changes[:4]) + (", ..." if n > 4 else "")
        with Vertical(id="quit-box", classes="dialog"):
            yield Static("Quit without saving?", classes="dialog-title", markup=False)
            yield Static(
                f"{n} unsaved change{'s' if n != 1 else ''} ({keys}).\n"
                "The config file on disk stays as it is.",
                markup=False,
            )
            yield Static(
                "y: quit without saving    n or Esc: go back to the wizard", classes="dialog-keys"
            )
        yield Footer(compact=True)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
