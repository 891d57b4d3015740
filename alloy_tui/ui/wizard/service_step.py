"""Step 1: which e-mail service sends the notifications."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

OPTIONS = [
    Option(
        "exchange-online",
        "Exchange Online with OAuth authentication (Microsoft 365)",
        "Sign in with a code; send through Microsoft Graph or EWS.",
    ),
    Option("smtp", "SMTP server", "Any mail server or relay: host, port, TLS, optional login."),
    Option(
        "exchange-server",
        "Microsoft Exchange Server (on-premises)",
        "Your own Exchange through EWS, with NTLM or Basic authentication.",
    ),
]


@dataclass(frozen=True)
class ServiceChoice:
    service: str


class ServiceScreen(WizardScreen[ServiceChoice]):
    STEP_TITLE = heading("service")
    HELP = """\
Which service sends this server's notifications.

Exchange Online with OAuth authentication: a Microsoft 365 mailbox. You sign
in once with a code (no password is stored); alloy-tui then gets tokens on its
own. Needs an app registration in your Entra ID (next step explains it).

SMTP server: a mail server or relay that accepts SMTP (port 25, 587 or 465).

Microsoft Exchange Server (on-premises): your own Exchange, through EWS.

Up/Down choose, Enter goes on."""

    def compose_body(self) -> ComposeResult:
        yield Static("How should this server send its notifications?", markup=False)
        yield ChoiceList(OPTIONS, self.initial("service", self.state.draft.service), id="service")

    def on_mount(self) -> None:
        self.query_one("#service", ChoiceList).focus()

    def collect(self) -> ServiceChoice | None:
        return ServiceChoice(self.query_one("#service", ChoiceList).value)


def apply(state: WizardState, result: ServiceChoice) -> None:
    from alloy_tui.ui.wizard.sandbox_prefill import prefill

    state.draft = dataclasses.replace(state.draft, service=result.service)  # type: ignore[arg-type]
    prefill(state)  # --sandbox: what the sandbox knows, as its config does for Exchange Online


STEP = Step.named("service", ServiceScreen, apply)
