"""Every wizard step's key and what it is called, in one place.

The flow (which names steps without importing them), each step module's `Step`, each screen's
heading and the welcome step's plan all read them here. The key is stable: the flow walks by it
and the wizard state remembers finished steps by it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepName:
    title: str  # in the step list beside the body, and the welcome step's list of steps
    heading: str  # above the step's body ("Step 3 of 7: ...") and on its help
    plan: str = ""  # what the welcome step's plan says the step does


NAMES: dict[str, StepName] = {
    "welcome": StepName("Welcome", "Welcome"),
    "service": StepName(
        "Choose e-mail service",
        "Choose e-mail service",
        "Choose the e-mail service (Exchange Online, SMTP or Exchange Server).",
    ),
    "registration": StepName(
        "App registration & cloud",
        "App registration and cloud",
        "Name the app registration (tenant, client id) and the cloud.",
    ),
    "api": StepName(
        "Choose the API",
        "Choose the API",
        "Choose the API: Microsoft Graph (recommended) or EWS.",
    ),
    "signin": StepName(
        "Sign in",
        "Sign in",
        "Sign in with a code on any device with a browser (your phone works).",
    ),
    "delegation": StepName(
        "'From' delegation",
        "'From' address delegation",
        "Decide whether notifications may come 'From' other users.",
    ),
    "smtp-server": StepName(
        "SMTP server",
        "SMTP server",
        "Name the SMTP server: host, port and security.",
    ),
    "smtp-signin": StepName(
        "Sign-in and From",
        "Sign-in and From address",
        "Sign in to it (if it needs that) and choose the From address.",
    ),
    "exchange-server": StepName(
        "Exchange server",
        "Exchange server",
        "Give the EWS URL (or let Autodiscover find it) and NTLM or Basic.",
    ),
    "exchange-server-account": StepName(
        "Account and From",
        "Account and From address",
        "Name the account, its password and the From address.",
    ),
    "test": StepName("Test settings", "Test settings", "Send a test message."),
    "local_mail": StepName(
        "Local mail",
        "Local mail for this server",
        "Say where mail for root goes; make alloy-tui this server's sendmail (optional).",
    ),
    "review": StepName("Review and save", "Review and save", "Review the changes and save them."),
    "done": StepName("Saved", "Saved"),
}


def heading(key: str) -> str:
    """The heading of step ``key``'s screen."""
    return NAMES[key].heading
