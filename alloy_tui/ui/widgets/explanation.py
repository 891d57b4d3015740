"""An explained failure (or warning): title, why, fix; words and symbols, never colour alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from alloy_tui.core.errors import Explanation


def explanation_text(ex: Explanation, *, kind: str = "error") -> Text:
    """The panel's text: a Text (never markup), each field through `printable` once more (an
    Explanation cleans its text when built, but its fields can be set afterwards)."""
    from alloy_tui.core.errors import printable

    mark = {"error": "✗ ", "warning": "⚠ "}.get(kind, "")
    text = Text()
    text.append(mark + printable(ex.title), style="bold")
    if ex.code:
        text.append(f"  [{printable(ex.code)}]")
    text.append("\n\n")
    text.append("Why: ", style="bold")
    text.append(printable(ex.cause.strip(), multiline=True))
    text.append("\n\n")
    text.append("Fix: ", style="bold")
    text.append(printable(ex.fix.strip(), multiline=True))
    if ex.request_id:
        text.append(f"\n\nMicrosoft request id: {printable(ex.request_id)}")
    return text


class ExplanationPanel(Static):
    """Shows an Explanation with a border; `kind` is error or warning."""

    def __init__(
        self, explanation: Explanation | None = None, *, kind: str = "error", **kwargs: Any
    ) -> None:
        super().__init__("", markup=False, **kwargs)
        self.kind = kind
        self.add_class(f"-{kind}")
        if explanation is not None:
            self.show(explanation, kind=kind)

    def show(self, explanation: Explanation, *, kind: str | None = None) -> None:
        if kind is not None:
            self.remove_class(f"-{self.kind}")
            self.kind = kind
            self.add_class(f"-{kind}")
        self.border_title = "Warning" if self.kind == "warning" else "Error"
        self.update(explanation_text(explanation, kind=self.kind))
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False
