"""Step 3: Microsoft Graph (recommended) or EWS, with the EWS retirement warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

if TYPE_CHECKING:
    from alloy_tui.core.errors import Explanation

OPTIONS = [
    Option(
        "graph",
        "Microsoft Graph (recommended)",
        "POST /me/sendMail over HTTPS. Supported long term.",
    ),
    Option(
        "ews", "Exchange Web Services (EWS)", "Being retired in Exchange Online; see the warning."
    ),
]


@dataclass(frozen=True)
class ApiChoice:
    api: str


def retirement_warning(state: WizardState, today: date | None = None) -> Explanation:
    from alloy_tui.core.explain import ews_retirement_warning

    return ews_retirement_warning(today, client_id=state.draft.exchange_online.client_id)


class ApiScreen(WizardScreen[ApiChoice]):
    STEP_TITLE = heading("api")
    HELP = """\
Both APIs send the same message from the same mailbox.

Microsoft Graph is the recommended API: it is what Microsoft supports going
forward, and it needs only the Graph permissions (Mail.Send, and
Mail.Send.Shared to send on behalf of others).

Exchange Web Services (EWS) needs EWS.AccessAsUser.All on Office 365 Exchange
Online. Exchange Online blocks EWS from 1 October 2026 unless your tenant
allow-lists the app id (EWSEnabled and EWSAllowedAppIDs), and turns it off
for good on 1 April 2027. Choose it only if Graph is not possible for you.

Up/Down choose, Enter goes on."""

    def compose_body(self) -> ComposeResult:
        yield Static("Which API should send the notifications?", markup=False)
        yield ChoiceList(
            OPTIONS, self.initial("api", self.state.draft.exchange_online.api), id="api"
        )
        yield ExplanationPanel(kind="warning", id="ews-warning")

    def on_mount(self) -> None:
        self.query_one("#api", ChoiceList).focus()
        self._update_warning(self.query_one("#api", ChoiceList).value)

    def on_choice_list_changed(self, event: ChoiceList.Changed) -> None:
        self._update_warning(event.value)

    def _update_warning(self, api: str) -> None:
        panel = self.query_one("#ews-warning", ExplanationPanel)
        if api == "ews":
            panel.show(
                retirement_warning(self.state, getattr(self.app, "today", None)), kind="warning"
            )
        else:
            panel.clear()

    def collect(self) -> ApiChoice:
        return ApiChoice(self.query_one("#api", ChoiceList).value)


def apply(state: WizardState, result: ApiChoice) -> None:
    state.draft = state.draft.with_section("exchange_online", api=result.api)


STEP = Step.named("api", ApiScreen, apply)
