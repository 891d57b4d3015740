"""The footer of every screen: compact key labels ("^Q Quit", "F1 Help"), and on a terminal too
narrow for all of them, only the common ones; the rest are folded behind F1 ("F1 More keys"),
whose help lists every key of the screen (`keys_text`). ^Q Quit is never folded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widget import Widget

#: Actions that stay in the footer when there is no room for every key.
COMMON_ACTIONS = frozenset(
    # to_large: the API step's only way to "Large messages" (Tab) must show at 60x20 too
    {"back", "next", "help", "request_quit", "quit", "close", "open", "to_large"}
)
FOLDED_HELP = "More keys"


def _width(item: Widget) -> int:
    """Cells of one compact key label and the space after it."""
    key, description = getattr(item, "key_display", ""), getattr(item, "description", "")
    return cell_len(key) + (1 + cell_len(description) if description else 0) + 1


def keys_text(screen: Screen[Any]) -> str:
    """Every key the footer of ``screen`` shows when there is room, for its help text."""
    seen: dict[str, str] = {}
    for _node, binding, _enabled, _tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in seen:
            seen[binding.action] = f"{screen.app.get_key_display(binding)} {binding.description}"
    return "Keys here: " + " · ".join(seen.values()) if seen else ""


class KeysFooter(Footer):
    """A compact footer that folds the less common keys behind F1 when they do not fit."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True, show_command_palette=False)
        self.folded = False  # some keys are hidden now (for tests and the help)
        self._laid_out_for = -1

    def compose(self) -> ComposeResult:
        # The Footer's own key labels (Textual's FooterKey: key_display, description, action).
        items = list(super().compose())
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        self.folded = sum(_width(w) for w in items) > width
        if not self.folded:
            yield from items
            return
        for item in items:
            action = getattr(item, "action", "")
            if action in COMMON_ACTIONS:
                if action == "help":
                    item.description = FOLDED_HELP  # type: ignore[attr-defined]
                yield item

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
