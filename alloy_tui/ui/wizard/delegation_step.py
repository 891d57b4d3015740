"""Step 5: 'From' address delegation: send on behalf of other users, and what each must do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.ui.widgets.choice import Tick
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

OUTLOOK_STEPS = """\
Each user whose address goes in From must allow it once, in Outlook (desktop):
  1. File > Info > Account Settings > Delegate Access
  2. Add... and choose the mailbox {account}
  3. Set every folder to None (sending needs no folder access), then OK
Or an Exchange admin runs this for each user in Exchange Online PowerShell (^Y \
copies it; put the user's address in place of <user>):"""


def powershell_command(account: str, user: str = "<user>") -> str:
    """The one-line command that grants `account` Send On Behalf on `user`'s mailbox."""
    return f'Set-Mailbox -Identity {user} -GrantSendOnBehalfTo @{{Add="{account}"}}'


def powershell_lines(account: str) -> str:
    """The same command split with PowerShell's line continuation (a backtick), so it reads
    whole at 80 columns and still runs as pasted."""
    return f'  Set-Mailbox -Identity <user> `\n    -GrantSendOnBehalfTo @{{Add="{account}"}}'


@dataclass(frozen=True)
class Delegation:
    enabled: bool


class DelegationScreen(WizardScreen[Delegation]):
    STEP_TITLE = heading("delegation")
    HELP = """\
By default every notification is From the signed-in account.

With 'From' address delegation on, a notification can name another user in
From. It is sent on their behalf: recipients see
  From: <signed-in account> on behalf of <user>
Each such user must first grant the signed-in account Send On Behalf (the
Outlook steps on this step). If they have not, Microsoft refuses the message
(ErrorSendAsDenied) and the alert log says which user must grant it.

On-behalf sending through Graph also needs the Mail.Send.Shared permission; if
it was not consented when you signed in, sign in again after turning this on.

Keys: Space toggles; ^Y copies the PowerShell command (through your terminal,
OSC 52; works over SSH in most terminals); Enter goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "copy_command", "Copy command", key_display="^Y"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Tick(
            "Send on behalf of other users ('From' address delegation)",
            self.initial("delegation", self.state.draft.exchange_online.from_delegation),
            id="delegation",
        )
        yield Static("", id="delegation-explained", markup=False)
        yield Static("", id="powershell", classes="code", markup=False)

    def on_mount(self) -> None:
        self.query_one("#delegation", Tick).focus()
        self._explain(self.query_one("#delegation", Tick).value)

    def on_tick_changed(self, event: Tick.Changed) -> None:
        self._explain(event.value)

    def _account(self) -> str:
        if self.state.account is not None:
            return self.state.account.username
        return self.state.draft.exchange_online.account or "<the signed-in account>"

    def _explain(self, on: bool) -> None:
        account = self._account()
        text = self.query_one("#delegation-explained", Static)
        command = self.query_one("#powershell", Static)
        command.display = on
        if on:
            text.update(
                "On: a notification may name another user in From. Recipients then see\n"
                f'  "From: {account} on behalf of <user>"\n\n'
                + OUTLOOK_STEPS.format(account=account)
            )
            command.update(powershell_lines(account))
        else:
            text.update(f"Off: every notification is From {account}. Space turns delegation on.")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready:
            return False
        if action == "copy_command":
            return self.query_one("#delegation", Tick).value
        return super().check_action(action, parameters)

    def action_copy_command(self) -> None:
        self.app.copy_to_clipboard(powershell_command(self._account()))
        self.notify(
            "Sent the command to your clipboard through the terminal (OSC 52); replace <user> "
            "before running it. If nothing arrived, your terminal blocks OSC 52: select the text.",
            title="Copied",
        )

    def collect(self) -> Delegation:
        return Delegation(self.query_one("#delegation", Tick).value)


def apply(state: WizardState, result: Delegation) -> None:
    state.draft = state.draft.with_section("exchange_online", from_delegation=result.enabled)
    if not result.enabled:
        state.test_from = ""


STEP = Step.named("delegation", DelegationScreen, apply)
