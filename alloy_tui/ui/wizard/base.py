"""The frame every wizard step shares, and the `Step` record the flow is built from.

A step is one `WizardScreen[R]`: it shows its body, and dismisses with a typed result `R`
(Next) or `BACK` (Esc). The flow applies the result to the `WizardState` with the step's
`apply` function, so a screen never has to know what comes before or after it.

To add steps for another service (SMTP, Exchange Server), make a module with
``STEPS: list[Step]``, name it in `flow.SERVICE_STEP_MODULES`, and name its steps in
`step_names.NAMES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from alloy_tui.core.errors import printable
from alloy_tui.ui.widgets.keys_footer import KeysFooter, keys_text
from alloy_tui.ui.wizard.field_view import FieldsInView
from alloy_tui.ui.wizard.state import BACK, Back, WizardState
from alloy_tui.ui.wizard.step_names import NAMES

if TYPE_CHECKING:
    from textual import events
    from textual.widget import Widget
    from textual.widgets import Input

R = TypeVar("R")

EVERY_STEP_KEYS = """\
On every step: Esc goes back, ^N goes on, Tab and Shift+Tab move between fields,
PgUp/PgDn scroll, ^L opens the alert log, F2 the queue (the outbox), F1 or ? this
help, ^Q quits (asking first if something is not saved)."""

# Below this the step's heading moves into the title bar, which never scrolls away (60x20).
SMALL_WIDTH, SMALL_HEIGHT = 70, 22


def _never(state: WizardState) -> bool:
    return False


def _ignore(state: WizardState, result: Any) -> None:
    return None


@dataclass(frozen=True)
class Step:
    """One step of the wizard: how to build its screen and how to fold its result into the state."""

    key: str  # stable id, e.g. "signin" (a key of `step_names.NAMES`)
    title: str  # shown in the step list, e.g. "Sign in"
    make: Callable[[WizardState], WizardScreen[Any]]
    apply: Callable[[WizardState, Any], None] = _ignore
    skip: Callable[[WizardState], bool] = _never

    @classmethod
    def named(
        cls,
        key: str,
        make: Callable[[WizardState], WizardScreen[Any]],
        apply: Callable[[WizardState, Any], None] = _ignore,
    ) -> Step:
        """Step ``key``, with the title `step_names.NAMES` gives it."""
        return cls(key=key, title=NAMES[key].title, make=make, apply=apply)


@dataclass(frozen=True)
class Progress:
    """Where a screen sits in the flow, for the title bar and the step list."""

    index: int  # 0-based among the numbered steps; -1 for welcome and done
    titles: tuple[str, ...]
    done: frozenset[int] = frozenset()


class Body(VerticalScroll, can_focus=False):
    """The step's scrolling body. Not a Tab stop (typing there would go nowhere): PgUp/PgDn,
    the mouse wheel and the focused field scroll it; its scroll bar shows there is more."""


class WizardScreen(FieldsInView, Screen[R | Back], Generic[R]):
    """Title bar, step list (wide terminals), scrolling body, status line, footer."""

    STEP_TITLE: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    #: The HELP lists every step's keys itself (the welcome): F1 does not add them again.
    HELP_LISTS_EVERY_KEY: ClassVar[bool] = False
    NEXT_LABEL: ClassVar[str] = "Next"
    #: Enter in a field moves to the next field; Enter in the last one goes on (submits).
    #: False: Enter in any field goes on at once.
    ENTER_NEXT_FIELD: ClassVar[bool] = False
    #: What Enter in the last text field does, for the footer: "next" (Next) or "send".
    ENTER_SUBMITS: ClassVar[str] = "next"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", key_display="Esc"),
        # Priority: Tab and Enter act before the next key is handed to a field, so text typed
        # right after them (a paste, a fast typist over SSH) lands in the field they moved to.
        Binding("tab", "focus_field(1)", "Next field", show=False, priority=True),
        Binding("shift+tab", "focus_field(-1)", "Previous field", show=False, priority=True),
        Binding("enter", "field_enter('field')", "Next field", key_display="Enter", priority=True),
        Binding("enter", "field_enter('next')", "Next", key_display="Enter", priority=True),
        # Sending has its own key in the footer (^T); Enter sending too goes without saying.
        Binding("enter", "field_enter('send')", "Send", show=False, priority=True),
        Binding("enter", "next", "Next", key_display="Enter"),
        Binding("ctrl+n", "next", "Next", key_display="^N"),
        Binding("f1", "help", "Help", key_display="F1"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+l", "alert_log", "Alert log", key_display="^L"),
        # In the title bar while the outbox is not empty ("1 failed: F2 queue") and the help.
        # (F2, not ^O: the sign-in step has ^O for app-only sign-in.)
        Binding("f2", "queue", "Queue", key_display="F2", show=False),
        # Scrolling is navigation, like Tab: in the help of each step, not in the footer.
        Binding("pagedown", "scroll_body(1)", "Scroll down", show=False),
        Binding("pageup", "scroll_body(-1)", "Scroll up", show=False),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__()
        self.state = state
        self.progress: Progress | None = None
        self._leaving = False

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Before the first layout: the field focused on mount is scrolled to where it will stay.
        self.set_class(self._small(self.app.size.width, self.app.size.height), "-small")
        yield Static(self._title_text(), id="titlebar", markup=False)
        with Horizontal(id="frame"):
            yield Static(self._steps_text(), id="steps", markup=False)
            with Body(id="body"):
                yield Static(self._heading_text(), classes="step-heading", markup=False)
                yield from self.compose_body()
                yield Static("", id="status", markup=False)
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        """The step's own widgets."""
        return ()

    # -- what is typed but not taken yet --------------------------------------------------------
    def _on_mount(self, event: events.Mount) -> None:
        # After the step's own on_mount (which may set fields): what the fields start with.
        self.call_after_refresh(self._note_starting_values)
        self.call_after_refresh(self._mark_first_label)

    def _mark_first_label(self) -> None:
        """A label that opens the body needs no blank line above it (the heading has one)."""
        for body in self.query("#body").results(Body):
            first = next((w for w in body.children[1:] if w.display), None)
            if first is not None and first.has_class("label"):
                first.add_class("-first")

    def on_resize(self, event: events.Resize) -> None:
        """On a small terminal the title bar says which step this is (the heading above the
        body would scroll away with the field being edited)."""
        small = self._small(event.size.width, event.size.height)
        if small != self.has_class("-small"):
            self.set_class(small, "-small")
            self.query_one("#titlebar", Static).update(self._title_text())
            # The heading leaving (or coming back to) the body moves every field by two rows.
            self.call_after_refresh(self._show_focused)

    @staticmethod
    def _small(width: int, height: int) -> bool:
        return width < SMALL_WIDTH or height < SMALL_HEIGHT

    def _title_text(self) -> str:
        left = "alloy-tui setup"
        if self.has_class("-small") and (heading := self._heading_text()):
            left = heading
        tags = []
        if self.state.sandbox is not None:
            tags.append("SANDBOX")
        if self.state.edit_mode and self.state.sandbox is None:  # its own throwaway file
            tags.append("editing " + self.state.config_path.name)
        text = left + ("  [" + " | ".join(tags) + "]" if tags else "")
        outbox = getattr(self.app, "outbox_note", "")
        gap = " · " if self.has_class("-small") else "  ·  "
        return text + (gap + outbox if outbox else "")

    def refresh_title(self) -> None:
        """The title bar again (the outbox note changed)."""
        # (A count can arrive while the screen is still being built, or taken down on quit.)
        for bar in self.query("#titlebar").results(Static):
            bar.update(self._title_text())

    def _heading_text(self) -> str:
        if self.progress is None or self.progress.index < 0:
            return self.STEP_TITLE
        n = len(self.progress.titles)
        return f"Step {self.progress.index + 1} of {n}: {self.STEP_TITLE}"

    def _steps_text(self) -> str:
        if self.progress is None:
            return ""
        lines = ["Steps", ""]
        for i, title in enumerate(self.progress.titles):
            if i == self.progress.index:
                mark = ">"
            elif i in self.progress.done:
                mark = "✓"
            else:
                mark = " "
            lines.append(f"{mark} {i + 1}. {title}")
        lines += ["", "✓ done  > here"]
        return "\n".join(lines)

    # -- helpers for steps --------------------------------------------------------------------
    def say(self, text: str, kind: str = "info") -> None:
        """One line under the body: validation problems, hints. Kind: info, error, ok, warning.
        A "Fix the fields marked ✗ first" goes by itself once no field is marked ✗, and when the
        body has scrolled it out of view it is also shown as a notification (a refused Next is
        never silent)."""
        text = printable(text)  # it may quote a server (an Autodiscover URL, an error)
        status = self.query_one("#status", Static)
        prefix = {"error": "✗ ", "ok": "✓ ", "warning": "⚠ "}.get(kind, "")
        status.update(prefix + text if text else "")
        status.set_classes(f"-{kind}" if text else "")
        self._fix_first_said = text.startswith("Fix the field")
        if self._fix_first_said:
            self.call_after_refresh(self._reveal_status, prefix + text, kind)

    def _reveal_status(self, text: str, kind: str) -> None:
        """Once scrolling to the field to fix has settled: is the status line on screen?"""
        self.set_timer(0.2, lambda: self._notify_if_hidden(text, kind))

    def _notify_if_hidden(self, text: str, kind: str) -> None:
        status = self.query_one("#status", Static)
        if str(status.content) != text or not self.is_active:
            return
        if not self.query_one("#body", Body).region.contains_region(status.region):
            self.notify(
                text,
                severity="error" if kind == "error" else "warning",
                timeout=6,
                markup=False,
            )

    @on(Input.Changed)
    def _forget_fixed_refusal(self) -> None:
        """After the step's own checks of the field just typed in (they run first)."""
        if getattr(self, "_fix_first_said", False):
            self.call_after_refresh(self._clear_fix_first)

    def _clear_fix_first(self) -> None:
        if not self._fix_first_said or not self.is_mounted:
            return
        if not any(w.display for w in self.query(".check.-error")):
            self.say("")

    def collect(self) -> R | None:
        """The step's result when Next is pressed, or None (after saying why) if not ready."""
        raise NotImplementedError

    # -- keys ---------------------------------------------------------------------------------
    def fields(self) -> list[Widget]:
        """The step's focusable fields in Tab order (the scrolling body itself is not one)."""
        return [w for w in self.focus_chain if w.id != "body"]

    def _enter_mode(self) -> str:
        """What Enter does in the focused field: 'field', 'next', 'send' or '' (not in a field)."""
        from textual.widgets import Input

        focused = self.focused
        if focused is None:
            return ""
        if self.ENTER_NEXT_FIELD:
            # Any field but the last (a choice list in the middle too): Enter moves on to the
            # next field, so Enter walks the whole step; on the last one it goes on.
            chain = self.fields()
            if focused in chain and chain.index(focused) < len(chain) - 1:
                return "field"
        if not isinstance(focused, Input):
            return ""  # a choice list or tick: Enter is the step's own Next
        return self.ENTER_SUBMITS

    @property
    def ready(self) -> bool:
        """Built, on top, and not on its way out. Keys typed ahead of a step change (Enter Enter
        in quick succession) must not act on a step that is leaving or not built yet."""
        return not self._leaving and self.is_mounted and self.is_active

    def dismiss(self, result: Any = None) -> Any:
        self._leaving = True
        if isinstance(result, Back):
            self.remember_typed()  # Back keeps what was typed for when the step comes back
        else:
            self.state.typed.pop(self.memory_key, None)  # Next: the draft holds it now
        return super().dismiss(result)

    # -- what was typed survives Back -----------------------------------------------------------
    @property
    def memory_key(self) -> str:
        return type(self).__name__

    def initial(self, widget_id: str, default: Any) -> Any:
        """A field's starting value: what was typed before going Back, else `default`."""
        return self.state.typed.get(self.memory_key, {}).get(widget_id, default)

    def remember_typed(self) -> None:
        """Keep the fields' values in the wizard state (memory only; a password field is left
        to `keep_secrets`, which holds it pending in `core.secrets`, never on disk)."""
        from textual.widgets import Input

        from alloy_tui.ui.widgets.choice import ChoiceList, Tick

        values: dict[str, Any] = {}
        for widget in self.query("Input, ChoiceList, Tick"):
            if not widget.id or not isinstance(widget, Input | ChoiceList | Tick):
                continue
            if isinstance(widget, Input) and widget.password:
                continue
            values[widget.id] = widget.value
        self.keep_secrets()
        self.state.typed[self.memory_key] = values

    def keep_secrets(self) -> None:
        """Steps with a password field hold what was typed pending in memory here."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready:
            return False
        if action == "field_enter":
            return parameters[0] == self._enter_mode()
        return True

    def action_focus_field(self, delta: int) -> None:
        if delta > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_field_enter(self, mode: str) -> None:
        """Enter in a field. Moving to the next field happens at once (like Tab), so what is typed
        next lands there. Going on or sending is left to the field's own Enter: it comes after the
        field has taken every key typed before it, so nothing typed ahead is missed."""
        if mode != "field":
            raise SkipAction()
        self.focus_next()

    def action_scroll_body(self, direction: int) -> None:
        body = self.query_one("#body", Body)
        if direction > 0:
            body.scroll_page_down()
        else:
            body.scroll_page_up()

    # -- actions ------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Textual calls this handler for every class in the MRO: steps override `input_submitted`.
        event.stop()
        self.input_submitted(event)

    def input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a text field means Next, as everywhere else."""
        self.action_next()

    def action_back(self) -> None:
        if self.ready:
            self.dismiss(BACK)

    def action_next(self) -> None:
        if not self.ready:
            return
        result = self.collect()
        if result is not None:
            self.dismiss(result)

    def action_help(self) -> None:
        from alloy_tui.ui.wizard.dialogs import HelpScreen

        text = "\n\n".join(p for p in (self.help_text(), keys_text(self)) if p)
        self.app.push_screen(HelpScreen(self.STEP_TITLE or "Help", text))

    @classmethod
    def help_text(cls) -> str:
        """The step's help and, unless it lists them itself, the keys of every step."""
        every = "" if cls.HELP_LISTS_EVERY_KEY else EVERY_STEP_KEYS
        return (cls.HELP.strip() + "\n\n" + every).strip()

    def action_queue(self) -> None:
        open_queue = getattr(self.app, "open_queue", None)
        if open_queue is not None:
            open_queue()

    def action_alert_log(self) -> None:
        open_log = getattr(self.app, "open_alert_log", None)
        if open_log is not None:
            open_log()
