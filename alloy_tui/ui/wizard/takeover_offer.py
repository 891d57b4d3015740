"""The welcome step's offer on a first run, when this server already has a relay (postfix,
msmtp, ssmtp, nullmailer, dma, exim4, OpenSMTPD): "Take over the settings of <relay>", through the
same mapping as `alloy-tui takeover` (core.relays). Taking over fills the draft (service, host,
port, security, user, where root's mail goes...) and holds the relay's password pending in memory
(`core.secrets.set_pending`): written to the secrets file only when the review step saves. The
usual steps follow, prefilled: sign-in (Exchange Online) or the server's, the test, the review.

Where it looks: `/`, or `$ALLOY_TUI_RELAY_ROOT` (images, tests). It only reads; a relay file it
can't read is no offer (`alloy-tui takeover --dry-run` says which file and line)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option

if TYPE_CHECKING:
    from alloy_tui.core.relays import Relay
    from alloy_tui.ui.wizard.base import WizardScreen
    from alloy_tui.ui.wizard.state import WizardState

RELAY_ROOT_ENV = "ALLOY_TUI_RELAY_ROOT"
TAKE, FRESH = "take", "fresh"


def found_relay(state: WizardState) -> Relay | None:
    """The relay to offer: only on a first run (no config yet, no sandbox), the first found."""
    if state.edit_mode or state.sandbox is not None or state.load_error:
        return None
    from alloy_tui.core.relays import Root, discover

    found = discover(Root(os.environ.get(RELAY_ROOT_ENV) or "/"))
    return found.relays[0] if found.relays else None


def _what_it_sets(relay: Relay, state: WizardState) -> str:
    from alloy_tui.core.relays import plan_takeover

    plan = plan_takeover(relay, state.draft)
    s = plan.settings
    if plan.exchange_online:
        what = f"Exchange Online ({s.exchange_online.cloud} cloud, Graph), then sign in"
        what += f" as {relay.user}" if relay.user else ""
    else:
        login = f", user {s.smtp.username}" if s.smtp.username else ""
        what = f"SMTP server {s.smtp.host}:{s.smtp.port} ({s.smtp.security}{login})"
        if plan.secret_password:
            what += "; its password is kept for the secrets file"
    if s.sendmail.admin:
        what += f"; root's mail to {s.sendmail.admin}"
    return what


class TakeoverOffer(Vertical):
    """The offer: a choice between taking the relay's settings over and starting from scratch."""

    DEFAULT_CSS = "TakeoverOffer { height: auto; margin: 0 0 1 0; }"

    def __init__(self, relay: Relay, state: WizardState) -> None:
        super().__init__(id="takeover-offer")
        self.relay = relay
        self.state = state

    def compose(self) -> ComposeResult:
        yield Static(f"This server already sends mail through {self.relay.label}.", markup=False)
        yield ChoiceList(
            [
                Option(
                    TAKE,
                    f"Take over the settings of {self.relay.kind}",
                    _what_it_sets(self.relay, self.state),
                ),
                Option(FRESH, "Set up from scratch", "The old relay's settings are not used."),
            ],
            TAKE,
            id="takeover",
        )

    def on_mount(self) -> None:
        self.query_one("#takeover", ChoiceList).focus()


def offer(screen: WizardScreen[Any]) -> ComposeResult:
    """The welcome step's widgets for the offer (nothing when there is no relay to offer)."""
    relay = found_relay(screen.state)
    if relay is not None:
        yield TakeoverOffer(relay, screen.state)


def apply_choice(screen: WizardScreen[Any]) -> None:
    """On Next: when "Take over" is chosen, the relay's settings go into the draft."""
    offers = screen.query(TakeoverOffer)
    if not offers:
        return
    panel = offers.first()
    if panel.query_one("#takeover", ChoiceList).value != TAKE:
        return
    from alloy_tui.core import secrets
    from alloy_tui.core.relays import plan_takeover

    plan = plan_takeover(panel.relay, screen.state.draft)
    screen.state.draft = plan.settings
    if plan.secret_password:
        secrets.set_pending("smtp", plan.secret_user, plan.secret_password)
