"""Exchange Server (on-premises) steps: the EWS URL and authentication, then the account.

Same rules as the SMTP steps (`smtp_step`): checked as typed, the password typed once and kept
pending until the review step saves it to the secrets file with the config, or taken from a
command / environment variable.

The EWS URL may be left empty, or name only the server (https://mail.example.com): then Next on
the account step asks Autodiscover (`core.mail.exchange_server.discover`) for it, in a thread,
with the account's address and password, and the URL found goes into the draft. If nothing is
found, the step says so (with how to find the URL by hand) and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from textual.app import ComposeResult
from textual.widgets import Input, Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.password_choice import PasswordChoice
from alloy_tui.ui.wizard.password_fields import (
    SignInScreenBase,
    apply_password,
)
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading

if TYPE_CHECKING:
    from alloy_tui.core.errors import Explanation

AUTH_OPTIONS = [
    Option("ntlm", "NTLM", "Windows authentication; the default on Exchange's EWS directory."),
    Option("basic", "Basic", "User name and password over HTTPS; must be enabled on EWS."),
]


def check_ews_url(value: str) -> str:
    """'' when usable: a full EWS URL, an https:// server (Autodiscover asks it), or empty."""
    value = value.strip()
    if not value:
        return ""
    if any(c.isspace() for c in value):
        return "a URL has no spaces"
    parts = urlsplit(value)
    if parts.scheme.lower() == "http":
        return "must be https:// (the password would cross the network unencrypted)"
    if parts.scheme.lower() != "https" or not parts.hostname:
        return "a URL like https://mail.example.com/EWS/Exchange.asmx"
    return ""


def ews_url_hint(value: str) -> str:
    """A nudge when the URL does not end like an EWS endpoint (still allowed)."""
    if not value.strip():
        return "Empty: found by Autodiscover from the account's address on the next step."
    path = urlsplit(value.strip()).path.lower()
    if not path or path == "/":
        return "✓ a server: Autodiscover asks it for the EWS URL on the next step"
    if not path.endswith("/ews/exchange.asmx"):
        return "✓ (EWS usually ends in /EWS/Exchange.asmx)"
    return "✓ looks right"


def check_username(value: str) -> str:
    value = value.strip()
    if not value:
        return "required"
    if any(c in value for c in "\r\n\x00"):
        return "one line only"
    if "\\" not in value and "@" not in value:
        return "DOMAIN\\user or user@example.com"
    if "\\" in value and (value.startswith("\\") or value.endswith("\\")):
        return "DOMAIN\\user: both the domain and the user"
    return ""


# --------------------------------------------------------------------------- step 1: server


@dataclass(frozen=True)
class ExchangeServerChoice:
    ews_endpoint: str
    auth: str


class ExchangeServerScreen(WizardScreen[ExchangeServerChoice]):
    STEP_TITLE = heading("exchange-server")
    ENTER_NEXT_FIELD = True
    HELP = """\
Your own Exchange Server (2013 SP1 or later), through Exchange Web Services.

EWS URL: usually https://<your mail host>/EWS/Exchange.asmx, the host being the
name on the server's certificate. Certificate checks are always on; an internal
CA goes in [network] ca_bundle. Plain http:// is refused. On the Exchange
server, Get-WebServicesVirtualDirectory | fl InternalUrl,ExternalUrl shows it.

Not sure? Leave it empty (Autodiscover asks https://<domain> and
https://autodiscover.<domain> of the account's address), or give just the
server, https://mail.example.com (Autodiscover asks that server only). It runs
when you press Next on the account step, signed in as that account.

Authentication: NTLM (Windows authentication) is what Exchange enables on its
EWS virtual directory by default; Basic must be turned on there first
(Get-WebServicesVirtualDirectory | fl *Authentication*).

Enter moves to the next field and, on the last one, goes on (^N goes on
from any field). Tab and Shift+Tab move between fields; Up/Down choose."""

    def compose_body(self) -> ComposeResult:
        x = self.state.draft.exchange_server
        yield Static("EWS URL (empty: find it by Autodiscover)", classes="label", markup=False)
        yield Input(
            self.initial("ews_url", x.ews_endpoint),
            placeholder="https://mail.example.com/EWS/Exchange.asmx",
            id="ews_url",
        )
        yield Static("", id="ews_url-check", classes="check", markup=False)
        yield Static("Authentication", classes="label", markup=False)
        yield ChoiceList(AUTH_OPTIONS, self.initial("auth", x.auth), id="auth")

    def on_mount(self) -> None:
        self._check()
        self.query_one("#ews_url", Input).focus()

    def _check(self) -> bool:
        value = self.query_one("#ews_url", Input).value
        problem = check_ews_url(value)
        line = self.query_one("#ews_url-check", Static)
        if problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        else:
            line.update(ews_url_hint(value))
            line.set_classes("check -ok" if value.strip() else "check")
        return not problem

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check()

    def collect(self) -> ExchangeServerChoice | None:
        if not self._check():
            self.query_one("#ews_url", Input).focus()
            self.say("Fix the field marked ✗ first.", "error")
            return None
        return ExchangeServerChoice(
            ews_endpoint=self.query_one("#ews_url", Input).value.strip(),
            auth=self.query_one("#auth", ChoiceList).value,
        )


def apply_server(state: WizardState, result: ExchangeServerChoice) -> None:
    state.draft = state.draft.with_section(
        "exchange_server", ews_endpoint=result.ews_endpoint, auth=result.auth
    )


# --------------------------------------------------------------------------- step 2: account


@dataclass(frozen=True)
class ExchangeAccount:
    username: str
    password: PasswordChoice
    default_from: str
    format: str = "text"
    ews_endpoint: str = ""  # found by Autodiscover on this step ('' when it was typed)


class ExchangeAccountScreen(SignInScreenBase):
    STEP_TITLE = heading("exchange-server-account")
    SERVICE = "exchange-server"
    HELP = """\
The account alloy-tui signs in as: DOMAIN\\user or user@example.com (the user
principal name). It needs a mailbox.

Password: typed here once, it is kept in the secrets file next to the alert
log (mode 0600) when you save, never in config.toml. Or name a command that
prints it (run through /bin/sh, first line of its output), or an environment
variable that holds it.

From address: with DOMAIN\\user, this account's own e-mail address is needed.
Another user's address sends on their behalf: that user must first grant this
account Send On Behalf (Outlook: File > Info > Account Settings > Delegate
Access > Add). If they have not, Exchange refuses (ErrorSendAsDenied) and the
alert log says who must grant it.

Enter moves to the next field and, on the last one, goes on (^N goes on
from any field). Tab and Shift+Tab move between fields; Up/Down choose."""

    def compose_body(self) -> ComposeResult:
        from alloy_tui.core.mail import needs_discovery

        x = self.state.draft.exchange_server
        if needs_discovery(x.ews_endpoint):
            where = urlsplit(x.ews_endpoint.strip()).hostname or "the address's domain"
            yield Static(
                f"Going on (^N, or Enter in the last field) also finds the EWS URL: Autodiscover "
                f"asks {where}, signed in as this account.",
                id="discover-note",
                classes="check",
                markup=False,
            )
        yield Static("User name", classes="label", markup=False)
        yield Input(
            self.initial("username", x.username),
            placeholder="CONTOSO\\alerts or alerts@contoso.com",
            id="username",
        )
        yield Static("", id="username-check", classes="check", markup=False)
        yield from self.compose_password_and_from(x, "alerts@contoso.com")

    def from_default(self) -> str:
        from alloy_tui.ui.wizard.sandbox_prefill import from_address

        return from_address(self.state)  # --sandbox: its user's mailbox

    def on_mount(self) -> None:
        self.query_one("#pw-error", ExplanationPanel).clear()
        if self.query_one("#username", Input).value:
            self.fields_ok()
        self.query_one("#username", Input).focus()

    def fields_ok(self) -> bool:
        username = self.query_one("#username", Input).value.strip()
        problem = check_username(username)
        line = self.query_one("#username-check", Static)
        if problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        else:
            line.update("✓")
            line.set_classes("check -ok")
        ok = not problem
        ok = self.password_fields().check(username or " ") and ok
        required = "\\" in username or not username
        hint = " (with DOMAIN\\user: this account's address)"
        return self.from_ok(username, required=required, hint=hint) and ok

    def build_result(self, choice: PasswordChoice) -> ExchangeAccount:
        return ExchangeAccount(
            username=self.query_one("#username", Input).value.strip(),
            password=choice,
            **self.message_fields(),
            ews_endpoint=self.found_url,
        )

    # -- Autodiscover (in the shared background check, after the password command if any) -----
    found_url = ""
    from_value = ""

    def background_check_message(self, username: str, choice: PasswordChoice) -> str:
        from alloy_tui.core.mail import needs_discovery

        self.found_url = ""
        self.from_value = self.query_one(
            "#from", Input
        ).value.strip()  # read here, not in the thread
        server = self.state.draft.exchange_server.ews_endpoint.strip()
        if needs_discovery(server):
            where = urlsplit(server).hostname if server else "the address's domain"
            return f"Asking {where} for the EWS URL (Autodiscover)..."
        return super().background_check_message(username, choice)

    def background_check(self, username: str, choice: PasswordChoice) -> str:
        from alloy_tui.core import secrets
        from alloy_tui.core.mail import (
            discover_ews_url,
            mailbox_address,
            needs_discovery,
        )

        draft = self.state.draft
        server = draft.exchange_server.ews_endpoint.strip()
        if not needs_discovery(server):
            return super().background_check(username, choice)
        if choice.source == "typed" and choice.password:
            password = choice.password
        else:  # the command, the variable, or the password already kept for this user
            password = secrets.resolve_password(
                "exchange-server",
                username,
                password_command=choice.command,
                password_env=choice.env,
                timeout=15.0,
            )
        settings = draft.with_section("exchange_server", username=username)
        settings = settings.with_section("message", default_from=self.from_value)
        found = discover_ews_url(
            settings,
            self.state.config_path,
            mailbox_address(settings),
            server=server,
            password=password,
        )
        self.found_url = found.ews_url
        return f"✓ Autodiscover found the EWS URL: {found.ews_url}"

    def failure_status(self, explanation: Explanation) -> str:
        if explanation.code.startswith("autodiscover"):
            return "Autodiscover failed: Esc goes back to type the EWS URL."
        return super().failure_status(explanation)


def apply_account(state: WizardState, result: ExchangeAccount) -> None:
    state.draft = state.draft.with_section("exchange_server", username=result.username)
    if result.ews_endpoint:
        state.draft = state.draft.with_section("exchange_server", ews_endpoint=result.ews_endpoint)
    state.draft = state.draft.with_section(
        "message", default_from=result.default_from, format=result.format
    )
    apply_password(state, "exchange-server", result.username, result.password)


STEPS = [
    Step.named("exchange-server", ExchangeServerScreen, apply_server),
    Step.named("exchange-server-account", ExchangeAccountScreen, apply_account),
]
