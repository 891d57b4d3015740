"""Switching the "Sign in" step between its two ways: as a user (device code) and app-only
with a certificate. Both screens offer the other way (^O); the switch changes the draft and
shows the step again. The other way's cached tokens are removed only once the new config is
saved (the review step), so quitting without saving keeps the old sign-in working."""

from __future__ import annotations

from dataclasses import dataclass

from alloy_tui.ui.wizard.state import WizardState

MODE_LABELS = {
    "device-code": "Sign in as a user (device code)",
    "certificate": "App-only with a certificate (recommended for unattended servers)",
}


@dataclass(frozen=True)
class SwitchMode:
    """A sign-in screen's result asking for the other way; the flow shows the step again."""

    auth: str
    stay: bool = True


def offer_text(current: str) -> str:
    other = "certificate" if current != "certificate" else "device-code"
    return f"^O: {MODE_LABELS[other]} instead."


def switch(state: WizardState, result: SwitchMode) -> None:
    if state.draft.exchange_online.auth != result.auth:
        state.account = None  # the other way's account (or mailbox) does not carry over
    state.draft = state.draft.with_section("exchange_online", auth=result.auth)
