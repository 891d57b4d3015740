"""How a wizard step shows and reads its fields: a field comes into view with its label above
it and its check line below (never a field without saying what it is), and which fields were
changed on this step and not taken yet. Mixed into `base.WizardScreen`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from textual.widget import Widget


def field_name(field: Widget) -> str:
    """A field's label (the `.label` line above it), else its id."""
    parent = field.parent
    name = field.id or "a field"
    if parent is None:
        return name
    for sibling in parent.children:
        if sibling is field:
            break
        if isinstance(sibling, Static) and sibling.has_class("label"):
            name = str(sibling.content)
    return name


def _label_of(field: Widget) -> Widget | None:
    """The `.label` line just above `field` (nothing when another field comes between)."""
    parent = field.parent
    if parent is None:
        return None
    siblings = list(parent.children)
    for sibling in reversed(siblings[: siblings.index(field)]):
        if sibling.has_class("label"):
            return sibling if sibling.display else None
        if sibling.can_focus or not isinstance(sibling, Static):
            return None
    return None


def _next_check(field: Widget) -> Widget | None:
    """The `.check` line just under `field`, if it shows something."""
    parent = field.parent
    if parent is None:
        return None
    siblings = list(parent.children)
    i = siblings.index(field) + 1
    if i < len(siblings) and siblings[i].has_class("check") and siblings[i].display:
        return siblings[i]
    return None


class FieldsInView(Screen[Any]):
    """The field-showing and field-reading half of `WizardScreen` (the body is ``#body``)."""

    def _fields_with_values(self) -> list[Widget]:
        from alloy_tui.ui.widgets.choice import ChoiceList, Tick

        return [
            w
            for w in self.query("Input, ChoiceList, Tick")
            if w.id and isinstance(w, Input | ChoiceList | Tick)
        ]

    def _note_starting_values(self) -> None:
        self._starting = {w.id: getattr(w, "value", None) for w in self._fields_with_values()}

    def edited(self) -> list[str]:
        """The fields changed on this step and not taken yet (Next takes them), by their label:
        quitting now would lose them too."""
        starting: dict[str | None, object] = getattr(self, "_starting", {})
        return [
            field_name(w)
            for w in self._fields_with_values()
            if w.id in starting and getattr(w, "value", None) != starting[w.id]
        ]

    def _show_focused(self) -> None:
        """Scroll the body so the field being edited is in sight, with its label."""
        focused = self.focused
        if focused is not None and focused.is_attached:
            self.show_field(focused)

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        """Textual would scroll the field alone into view (centred, on a step's first frame,
        before the layout is known): here the field comes into view with its label, once laid
        out."""
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)
        # The latest focus decides: a field focused later without scrolling (a step that
        # scrolls its own way) is not moved by this one's scroll.
        self._scroll_to_focus = widget if scroll_visible else None
        if scroll_visible and widget is not None and self.is_mounted:
            self.call_after_refresh(self._show_focused_if_still, widget)

    def _show_focused_if_still(self, widget: Widget) -> None:
        if self.focused is widget and getattr(self, "_scroll_to_focus", None) is widget:
            self._show_focused()

    def show_field(self, field: Widget) -> None:
        """Bring `field` into view with its label above it and its check line below (when
        the window has room for them): a field is never shown without saying what it is."""
        body = self.query_one("#body", VerticalScroll)
        parts = [part for part in (_next_check(field), field, _label_of(field)) if part]
        for part in parts:  # the label last: it is what must not be cut off at the top
            body.scroll_to_widget(part, animate=False, immediate=True)
