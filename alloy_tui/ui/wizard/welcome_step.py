"""Step 0: what will happen; in edit mode, what is set now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.ui.widgets.hanging import GUIDE_FACT, LABELLED_ROW, LIST_ITEM, HangingStatic
from alloy_tui.ui.wizard import takeover_offer
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import NAMES, heading
from alloy_tui.ui.wizard.summary import SERVICE_NAMES, format_rows, summary_lines


@dataclass(frozen=True)
class Started:
    edit_mode: bool


PLAN_END = (  # one paragraph: it wraps to the window (60x20 too), never broken by hand
    "Nothing is written until you save on the last step. Esc goes back, Enter goes on, "
    "F1 explains the step you are on, ^L shows the alert log, ^Q quits."
)


def numbered_steps(state: WizardState) -> list[tuple[str, str]]:
    """(key, title) of the numbered steps for the draft's service, as the flow will run them."""
    from alloy_tui.ui.wizard import flow

    return [(s.key, s.title) for s in flow.steps_for(state) if s.key not in flow.UNNUMBERED]


def plan_text(state: WizardState) -> str:
    """The plan for the service the draft names: the same steps the "Step N of M" counts."""
    service = SERVICE_NAMES.get(state.draft.service, state.draft.service)
    lines = [
        f"This wizard sets up the e-mail this server sends its notifications with ({service}):",
        "",
    ]
    steps = numbered_steps(state)
    for n, (key, title) in enumerate(steps, 1):
        lines.append(f"  {n}. {NAMES[key].plan or title + '.'}")
    lines += ["", "Another service on step 1 brings its own steps.", "", PLAN_END]
    return "\n".join(lines)


def steps_line(state: WizardState) -> str:
    """The steps in one wrapped paragraph, for edit mode (the summary takes the room)."""
    steps = numbered_steps(state)
    listed = " > ".join(title for _, title in steps)
    return f"The {len(steps)} steps: {listed}."


class WelcomeScreen(WizardScreen[Started]):
    STEP_TITLE = heading("welcome")
    # The first step: Esc quits (there is nothing to go back to), and the footer says so.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Quit", key_display="Esc"),
    ]
    HELP_LISTS_EVERY_KEY = True
    HELP = """\
alloy-tui sets up outgoing notification e-mail for this server and keeps a log
of every message it sends (the alert log).

Keys, on every step:
  Enter or ^N   Next step
  Esc           Back one step (on this first step: quit)
  F1 or ?       Help for the step you are on
  ^L            The alert log (every sign-in and send attempt)
  ^Q or ^C      Quit (asks first if you have unsaved changes)
  Tab           Move between the fields of a step (Shift+Tab: back)
  PgUp/PgDn     Scroll a step that is longer than the window

Nothing is written to the config file until you save on the last step. If
the connection drops, the file on disk stays as it was.

The same settings can be read and checked without this wizard:
  alloy-tui config show       alloy-tui status       alloy-tui log"""

    def compose_body(self) -> ComposeResult:
        state = self.state
        where = f"Config file: {state.config_path}"
        if state.sandbox is not None:
            yield from self._sandbox_guide()
        if state.load_error:
            yield Static(
                "✗ The config file could not be read, so the wizard will not change it:\n\n"
                + "\n".join("  " + line for line in state.load_error)
                + "\n\nFix the file (or move it away), then start the wizard again.\n"
                "`alloy-tui config validate` shows the same problems.",
                classes="notice -error",
                markup=False,
            )
            yield Static(where, markup=False)
            return
        if state.edit_mode and state.sandbox is None:
            yield HangingStatic(
                "Edit mode: a config already exists. What is set now:\n\n"
                + format_rows(summary_lines(state.draft))
                + "\n\nEvery step starts from these values; change what you need.",
                LABELLED_ROW,
            )
            yield Static(steps_line(state), id="plan", markup=False)
            yield Static(where, classes="path", markup=False)
            return
        yield from takeover_offer.offer(self)  # a relay on this server: "Take over ..."
        yield HangingStatic(plan_text(state), LIST_ITEM, id="plan")
        yield Static(
            where + ("" if state.config_path.exists() else " (not created yet)"),
            classes="path",
            markup=False,
        )

    def _sandbox_guide(self) -> Iterable[Any]:
        """The sandbox's answers to every question the steps ask (a throwaway config the
        sandbox wrote is no admin's existing config: the welcome is a first run's)."""
        from alloy_tui.sandbox.guide import guide_lines, messages_command

        session = self.state.sandbox
        assert session is not None  # only called in a sandbox session
        sb = session.sandbox
        yield Static(
            "⚠ Sandbox: this runs against a local stand-in for Microsoft 365 and an SMTP "
            "server on this machine, with a throwaway config. Nothing reaches Microsoft. "
            "What its steps ask for:",
            classes="notice -warning",
            markup=False,
        )
        for line in guide_lines(sb, messages_command(sb)):
            if line.startswith(" "):  # a fact: its wrapped lines hang deeper than it starts
                yield HangingStatic("    " + line.strip(), GUIDE_FACT)
            else:
                yield Static(line, markup=False)

    def collect(self) -> Started | None:
        if self.state.load_error:
            self.say("The config file has problems (above); the wizard cannot continue.", "error")
            return None
        takeover_offer.apply_choice(self)
        return Started(edit_mode=self.state.edit_mode)


STEP = Step.named("welcome", WelcomeScreen)
