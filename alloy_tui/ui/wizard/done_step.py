"""After saving: where the file is and what to run next. Enter or ^Q quits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.step_names import heading


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
        path = self.state.saved_path or self.state.config_path
        lines = [f"✓ Settings saved to {path}", ""]
        if not self.state.test_passed:
            lines += [
                "⚠ No test message went through in this session. Check with:",
                "    alloy-tui test-send --to you@example.com",
                "",
            ]
        if self.state.sandbox is not None:
            lines += [
                "⚠ Sandbox: this throwaway config and the sandbox are removed when you quit.",
                "  Run `alloy-tui` without --sandbox to set up the real thing. The commands",
                "  below use the real config; to try them on a sandbox that stays, run",
                "  `alloy-tui sandbox serve` and the `export` line it prints.",
                "",
            ]
        lines += [
            "From now on:",
            "    alloy-tui status            is the account signed in, is sending ready?",
            "    alloy-tui log --live        watch every send as it happens",
            "    alloy-tui send --to ADDR --subject S  < body.txt",
            "    alloy-tui queue list        mail waiting to be sent, and why (or: mailq)",
            "    alloy-tui queue flush       send everything waiting now",
            "",
            "Press Enter to quit.",
        ]
        yield Static("\n".join(lines), markup=False)

    def collect(self) -> Finished:
        return Finished()


STEP = Step.named("done", DoneScreen)
