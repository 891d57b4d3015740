"""Step 3: Microsoft Graph (recommended) or EWS, with the EWS retirement warning, and (Graph)
whether large messages are on (drafts, so Mail.ReadWrite is asked for only then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option, Tick
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


LARGE_LABEL = "Large messages (over ~3 MB, needs Mail.ReadWrite)"
LARGE_OFF = (
    "Off: Mail.ReadWrite is never asked for; a message over ~3 MB fails at once, saying to "
    "turn this on. Tab, then Space, turns it on."
)
LARGE_ON_USER = (
    "On: a message over ~3 MB goes through a draft and an upload session, which needs the "
    "delegated Graph permission Mail.ReadWrite. Add it to the app and grant consent (^Y copies; "
    "the registration step's commands include it now):"
)
LARGE_ON_APP = (
    "On: a message over ~3 MB goes through a draft and an upload session. App-only: the "
    "sign-in step's scoping commands add the Application Mail.ReadWrite role."
)


def permission_commands(client_id: str) -> str:
    """Azure CLI: add Mail.ReadWrite (delegated) to an existing registration, and consent."""
    from alloy_tui.ui.wizard.registration_step import GRAPH, SCOPE_IDS

    app = client_id or "<client id>"
    return "\n".join(
        [
            f"az ad app permission add --id {app} \\",
            f"  --api {GRAPH} --api-permissions \\",
            f"  {SCOPE_IDS['Mail.ReadWrite']}=Scope",
            f"az ad app permission admin-consent --id {app}",
        ]
    )


@dataclass(frozen=True)
class ApiChoice:
    api: str
    large_messages: bool = False


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

Large messages (Graph): a message over ~3 MB is too big for one Graph request.
With "Large messages" on, alloy-tui sends it through a draft and an upload
session, which needs the delegated permission Mail.ReadWrite (app-only: the
Application Mail.ReadWrite role). Off (the default), alloy-tui never asks for
Mail.ReadWrite and such a message fails at once, saying to turn this on. If
you turn it on after signing in, sign in again so the permission is consented.

Keys: Up/Down choose the API; Tab moves to "Large messages" (Graph only) and
Space toggles it; ^Y copies its Azure CLI commands; Enter goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "copy_commands", "Copy az", key_display="^Y"),
        # On the API choice (Graph): the footer says Tab leads to "Large messages" (its Space
        # Toggle shows once there). Replaces the base class's Tab, so that one is repeated.
        Binding("tab", "to_large", "Large messages", key_display="Tab", priority=True),
        Binding("tab", "focus_field(1)", "Next field", show=False, priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        eo = self.state.draft.exchange_online
        api = self.initial("api", eo.api)
        yield Static("Which API should send the notifications?", markup=False)
        yield ChoiceList(OPTIONS, api, id="api")
        yield ExplanationPanel(kind="warning", id="ews-warning")
        tick = Tick(LARGE_LABEL, self.initial("large", eo.large_messages), id="large")
        explained = Static("", id="large-explained", markup=False)
        commands = Static("", id="large-commands", classes="code", markup=False)
        for widget in (tick, explained, commands):
            widget.display = api == "graph"  # EWS: no Graph drafts, nothing to choose
        yield tick
        yield explained
        yield commands

    def on_mount(self) -> None:
        self.query_one("#api", ChoiceList).focus()
        self._update_warning(self.query_one("#api", ChoiceList).value)
        self._update_large()

    def on_choice_list_changed(self, event: ChoiceList.Changed) -> None:
        self._update_warning(event.value)
        self._update_large()

    def on_tick_changed(self, event: Tick.Changed) -> None:
        self._update_large()

    def _offers_commands(self) -> bool:
        """The ^Y commands apply: Graph, large messages on, a user's (delegated) sign-in."""
        return (
            self.query_one("#api", ChoiceList).value == "graph"
            and self.query_one("#large", Tick).value
            and self.state.draft.exchange_online.auth != "certificate"
        )

    def _update_large(self) -> None:
        graph = self.query_one("#api", ChoiceList).value == "graph"
        on = self.query_one("#large", Tick).value
        app_only = self.state.draft.exchange_online.auth == "certificate"
        for key in ("#large", "#large-explained"):
            self.query_one(key).display = graph
        commands = self.query_one("#large-commands", Static)
        commands.display = self._offers_commands()
        if commands.display:
            commands.update(permission_commands(self.state.draft.exchange_online.client_id))
        text = LARGE_OFF if not on else LARGE_ON_APP if app_only else LARGE_ON_USER
        self.query_one("#large-explained", Static).update(text)
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()  # Tab Large messages: only while the API choice has the focus

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_commands":
            return self.ready and self._offers_commands()
        if action == "to_large":
            return self.ready and self._to_large()
        return super().check_action(action, parameters)

    def action_to_large(self) -> None:
        self.query_one("#large", Tick).focus()

    def _to_large(self) -> bool:
        """Tab goes from the API choice to "Large messages" (Graph chosen)."""
        api = self.query_one("#api", ChoiceList)
        return self.focused is api and api.value == "graph"

    def action_copy_commands(self) -> None:
        self.app.copy_to_clipboard(permission_commands(self.state.draft.exchange_online.client_id))
        self.notify(
            "Sent the commands to your clipboard through the terminal (OSC 52). "
            "If nothing arrived, your terminal blocks OSC 52: select the text instead.",
            title="Copied",
        )

    def _update_warning(self, api: str) -> None:
        panel = self.query_one("#ews-warning", ExplanationPanel)
        if api == "ews":
            panel.show(
                retirement_warning(self.state, getattr(self.app, "today", None)), kind="warning"
            )
        else:
            panel.clear()

    def collect(self) -> ApiChoice:
        return ApiChoice(
            self.query_one("#api", ChoiceList).value, self.query_one("#large", Tick).value
        )


def apply(state: WizardState, result: ApiChoice) -> None:
    state.draft = state.draft.with_section(
        "exchange_online", api=result.api, large_messages=result.large_messages
    )


STEP = Step.named("api", ApiScreen, apply)
