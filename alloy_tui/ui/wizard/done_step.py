"""After saving: where the file is and what to run next. Enter or ^Q quits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.ui.widgets.hanging import COMMAND_ROW, MARKED, HangingStatic
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.step_names import heading

#: What `alloy-tui status` answers, per service (only Exchange Online signs in an account).
STATUS_SAYS = {
    "exchange-online": "is the account signed in, is sending ready?",
    "smtp": "is the SMTP server set, is sending ready?",
    "exchange-server": "is the Exchange server set, is sending ready?",
}


@dataclass(frozen=True)
class Finished:
    pass


class DoneScreen(WizardScreen[Finished]):
    STEP_TITLE = heading("done")
    NEXT_LABEL = "Quit"
    HELP = """\
The settings are saved. Enter quits the wizard. Esc goes back to the review
step (you can change things and save again)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", "Quit", key_display="Enter"),
        Binding("ctrl+n", "next", "Quit", key_display="^N"),
    ]

    def compose_body(self) -> ComposeResult:
        # One widget per paragraph, each wrapping to the window with its own indent: nothing
        # is broken by hand at 80 columns (60x20 would re-wrap it into ragged lines).
        path = self.state.saved_path or self.state.config_path
        yield HangingStatic(f"✓ Settings saved to {path}", MARKED)
        if not self.state.test_passed:
            yield HangingStatic(
                "⚠ No test message went through in this session. Check with:",
                MARKED,
                classes="paragraph",
            )
            yield HangingStatic("    alloy-tui test-send --to you@example.com", COMMAND_ROW)
        if self.state.sandbox is not None:
            yield HangingStatic(
                "⚠ Sandbox: this throwaway config and the sandbox are removed when you quit. "
                "Run `alloy-tui` without --sandbox to set up the real thing. The commands "
                "below use the real config; to try them on a sandbox that stays, run "
                "`alloy-tui sandbox serve` and the `export` line it prints.",
                MARKED,
                classes="paragraph",
            )
        status = STATUS_SAYS.get(self.state.draft.service, STATUS_SAYS["smtp"])
        yield Static("From now on:", classes="paragraph", markup=False)
        yield HangingStatic(
            "\n".join(
                [
                    f"    alloy-tui status            {status}",
                    "    alloy-tui log --live        watch every send as it happens",
                    "    alloy-tui send --to ADDR --subject S < body.txt",
                    "    alloy-tui queue list        mail waiting to be sent, and why (or: mailq)",
                    "    alloy-tui queue flush       send everything waiting now",
                ]
            ),
            COMMAND_ROW,
            id="commands",
        )
        yield Static("Press Enter to quit.", classes="paragraph", markup=False)

    def collect(self) -> Finished:
        return Finished()


STEP = Step.named("done", DoneScreen)
