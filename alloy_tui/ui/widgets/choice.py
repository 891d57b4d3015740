"""Keyboard-first choice widgets whose state reads without colour: (●)/( ) and [x]/[ ]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from alloy_tui.ui.widgets.hanging import HangingText


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    description: str = ""


class ChoiceList(Widget, can_focus=True):
    """One of several options. Up/Down (or j/k) select directly; the cursor shows as '>'."""

    DEFAULT_CSS = """
    ChoiceList { height: auto; width: 1fr; padding: 0 1; border: tall $border-blurred; }
    ChoiceList:focus { border: tall $border; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Choose", key_display="↑↓"),
        Binding("up,k", "move(-1)", "Previous", show=False),
        Binding("j", "move(1)", "Next option", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, choice_list: ChoiceList, value: str) -> None:
            super().__init__()
            self.choice_list = choice_list
            self.value = value

        @property
        def control(self) -> ChoiceList:
            return self.choice_list

    def __init__(self, options: list[Option], value: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.options = options
        self.set_reactive(
            ChoiceList.value, value if any(o.value == value for o in options) else options[0].value
        )
        self._rows: list[int] = []  # first line of each option

    @property
    def index(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.value == self.value)

    def render(self) -> HangingText:
        text = Text()
        self._rows = []
        line = 0
        for i, opt in enumerate(self.options):
            self._rows.append(line)
            on = opt.value == self.value
            cursor = ">" if on and self.has_focus else " "
            if i:
                text.append("\n")
            text.append(f"{cursor} {'(●)' if on else '( )'} ")
            text.append(opt.label, style="bold" if on else "")
            line += 1
            if opt.description:
                for d in opt.description.splitlines():
                    text.append("\n      " + d, style="italic" if not on else "")
                    line += 1
        return HangingText(text)  # a wrapped description stays under its option

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_move(self, delta: int) -> None:
        self.value = self.options[(self.index + delta) % len(self.options)].value

    def action_first(self) -> None:
        self.value = self.options[0].value

    def action_last(self) -> None:
        self.value = self.options[-1].value

    def on_click(self, event: events.Click) -> None:
        y = event.y - 1  # border
        for i, start in reversed(list(enumerate(self._rows))):
            if y >= start:
                self.value = self.options[i].value
                break

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()


class Tick(Widget, can_focus=True):
    """A check box: '[x] label' or '[ ] label'. Space toggles (Enter stays Next)."""

    DEFAULT_CSS = """
    Tick { height: auto; width: 1fr; padding: 0 1; border: tall $border-blurred; }
    Tick:focus { border: tall $border; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Toggle", key_display="Space"),
    ]

    value: reactive[bool] = reactive(False, init=False)

    class Changed(Message):
        def __init__(self, tick: Tick, value: bool) -> None:
            super().__init__()
            self.tick = tick
            self.value = value

        @property
        def control(self) -> Tick:
            return self.tick

    def __init__(self, label: str, value: bool = False, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.set_reactive(Tick.value, value)

    def render(self) -> HangingText:
        cursor = ">" if self.has_focus else " "
        text = Text(f"{cursor} {'[x]' if self.value else '[ ]'} ")
        text.append(self.label, style="bold")
        text.append("  (on)" if self.value else "  (off)")
        return HangingText(text)  # a wrapped label stays right of its box

    def watch_value(self, value: bool) -> None:
        self.post_message(self.Changed(self, value))

    # Replaces DOMNode's generic `toggle(attribute_name)` action: here "toggle" flips the box.
    def action_toggle(self) -> None:  # type: ignore[override]
        self.value = not self.value

    def on_click(self) -> None:
        self.action_toggle()

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()
