"""Stand-in step for a service whose wizard steps have not landed yet: says so plainly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import Static

from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.summary import SERVICE_NAMES

SECTION = {"smtp": "[smtp]", "exchange-server": "[exchange_server]"}


class NotYetScreen(WizardScreen[None]):
    STEP_TITLE = "Not available yet"
    HELP = """\
The wizard cannot set up this service yet. Press Esc to go back and choose
Exchange Online, or set the keys in the config file by hand and check them
with `alloy-tui config validate` and `alloy-tui status`."""

    def __init__(self, state: WizardState, service: str) -> None:
        super().__init__(state)
        self.service = service

    def compose_body(self) -> Iterable[Any]:
        name = SERVICE_NAMES.get(self.service, self.service)
        yield Static(
            f"⚠ The wizard cannot set up {name} yet.\n\n"
            f"Press Esc to go back and choose another service, or quit (^Q) and set the "
            f"{SECTION.get(self.service, '')} keys in {self.state.config_path} by hand, then check "
            "them with `alloy-tui config validate` and `alloy-tui status`.",
            classes="notice -warning",
            markup=False,
        )

    def collect(self) -> None:
        self.say("Not available yet: press Esc to choose another service.", "warning")
        return None


def make_step(service: str) -> Step:
    return Step(
        key=f"{service}-not-yet",
        title=SERVICE_NAMES.get(service, service),
        make=lambda state: NotYetScreen(state, service),
    )
