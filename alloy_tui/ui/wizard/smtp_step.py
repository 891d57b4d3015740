"""SMTP steps: the server (host, port, security), then the sign-in and From address.

Everything is checked as it is typed. The password is typed once into a password field and
held pending in memory (`core.secrets.set_pending`): the test step sends with it, and the review
step writes it to the 0600 secrets file together with the config, never into the config. It
can also come from a command (msmtp's passwordeval) or an environment variable; a command is
run once on Next so a missing or failing one is caught here, with its exit code.

The password fields live in `password_fields` (shared with the Exchange Server steps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
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

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SECURITY_OPTIONS = [
    Option("starttls", "STARTTLS", "Plain connection made secure first; usually port 587."),
    Option("ssl", "SSL/TLS", "Encrypted from the first byte; usually port 465."),
    Option("none", "None", "No encryption; port 25, for internal relays only."),
]


# --------------------------------------------------------------------------- checks (pure)


def check_host(value: str) -> str:
    value = value.strip()
    if not value:
        return "required"
    if re.search(r"\s", value):
        return "a host name has no spaces"
    if any(c in value for c in "/@:"):
        return "just the host name, e.g. smtp.example.com (no URL, port or user)"
    return ""


def check_port(value: str) -> str:
    value = value.strip()
    if not value:
        return "required"
    if not value.isdigit():
        return "a whole number, e.g. 587"
    if not 1 <= int(value) <= 65535:
        return "between 1 and 65535"
    return ""


# --------------------------------------------------------------------------- step 1: server


@dataclass(frozen=True)
class SmtpServerChoice:
    host: str
    port: int
    security: str


class SmtpServerScreen(WizardScreen[SmtpServerChoice]):
    STEP_TITLE = heading("smtp-server")
    ENTER_NEXT_FIELD = True
    HELP = """\
The mail server (or relay) this server hands its notifications to.

Host: its name, e.g. smtp.example.com. Use the name on its TLS certificate
(certificate checks are always on; an internal CA goes in [network] ca_bundle).

Security: STARTTLS (port 587) starts plain and switches to TLS; if the server
does not offer STARTTLS, nothing is sent (never a fallback to plain text).
SSL/TLS (port 465) is encrypted from the start. None (port 25) sends in the
clear: only for a relay inside your network.

Changing the security sets its usual port, unless you typed another one.
Enter moves to the next field and, on the last one, goes on (^N goes on
from any field). Tab and Shift+Tab move between fields; Up/Down choose."""

    DEFAULT_CSS = """
    SmtpServerScreen #smtp-hostport { height: auto; }
    SmtpServerScreen #host-col { width: 1fr; height: auto; }
    SmtpServerScreen #port-col { width: 22; height: auto; margin-left: 1; }
    """

    def compose_body(self) -> ComposeResult:
        s = self.state.draft.smtp
        with Horizontal(id="smtp-hostport"):
            with Vertical(id="host-col"):
                yield Static("Host", classes="label -first", markup=False)  # opens the body
                yield Input(self.initial("host", s.host), placeholder="smtp.example.com", id="host")
                yield Static("", id="host-check", classes="check", markup=False)
            with Vertical(id="port-col"):
                yield Static("Port", classes="label -first", markup=False)
                yield Input(
                    self.initial("port", str(s.port)),
                    placeholder="587",
                    id="port",
                    restrict=r"[0-9]*",
                    max_length=5,
                )
                yield Static("", id="port-check", classes="check", markup=False)
        yield Static("Security", classes="label", markup=False)
        yield ChoiceList(SECURITY_OPTIONS, self.initial("security", s.security), id="security")

    def on_mount(self) -> None:
        for key in ("host", "port"):
            if self.query_one(f"#{key}", Input).value:
                self._check(key)
        self.query_one("#host", Input).focus()

    def _check(self, key: str) -> bool:
        value = self.query_one(f"#{key}", Input).value
        problem = check_host(value) if key == "host" else check_port(value)
        line = self.query_one(f"#{key}-check", Static)
        if problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        else:
            line.update("✓")
            line.set_classes("check -ok")
        return not problem

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("host", "port"):
            self._check(event.input.id)

    def on_choice_list_changed(self, event: ChoiceList.Changed) -> None:
        if event.choice_list.id != "security":
            return
        port = self.query_one("#port", Input)
        if port.value.strip() in ("", *(str(p) for p in DEFAULT_PORTS.values())):
            port.value = str(DEFAULT_PORTS[event.value])

    def collect(self) -> SmtpServerChoice | None:
        ok = True
        for key in ("host", "port"):
            if not self._check(key):
                if ok:
                    self.query_one(f"#{key}", Input).focus()
                ok = False
        if not ok:
            self.say("Fix the fields marked ✗ first.", "error")
            return None
        return SmtpServerChoice(
            host=self.query_one("#host", Input).value.strip(),
            port=int(self.query_one("#port", Input).value.strip()),
            security=self.query_one("#security", ChoiceList).value,
        )


def apply_server(state: WizardState, result: SmtpServerChoice) -> None:
    state.draft = state.draft.with_section(
        "smtp", host=result.host, port=result.port, security=result.security
    )


# --------------------------------------------------------------------------- step 2: sign-in


@dataclass(frozen=True)
class SmtpSignIn:
    username: str
    password: PasswordChoice
    default_from: str
    format: str = "text"


class SmtpSignInScreen(SignInScreenBase):
    STEP_TITLE = heading("smtp-signin")
    SERVICE = "smtp"
    HELP = """\
User name: leave it empty when the server accepts mail from this host without
signing in (an internal relay). Otherwise it is usually the full address of
the mailbox that sends, e.g. alerts@example.com.

Password: typed here once, it is kept in the secrets file next to the alert
log (mode 0600) when you save, never in config.toml. Or name a command that
prints it (run through /bin/sh, first line of its output; e.g. `pass show
mail/alerts`), or an environment variable that holds it.

From address: who the notifications come from. Empty means the user name (when
it is an address). Microsoft 365 refuses a From the account may not send as
(5.7.60).

Messages are sent as plain text or HTML ([message] format).

Enter moves to the next field and, on the last one, goes on (^N goes on
from any field). Tab and Shift+Tab move between fields; Up/Down choose."""

    def compose_body(self) -> ComposeResult:
        s = self.state.draft.smtp
        yield Static("User name (empty: no sign-in)", classes="label", markup=False)
        yield Input(
            self.initial("username", s.username), placeholder="alerts@example.com", id="username"
        )
        yield Static("", id="username-check", classes="check", markup=False)
        yield from self.compose_password_and_from(s, "alerts@example.com")

    def on_mount(self) -> None:
        self.query_one("#pw-error", ExplanationPanel).clear()
        self.fields_ok()
        self.query_one("#username", Input).focus()

    def fields_ok(self) -> bool:
        username = self.query_one("#username", Input).value.strip()
        ok = True
        line = self.query_one("#username-check", Static)
        if any(c in username for c in "\r\n\x00"):
            line.update("✗ one line only")
            line.set_classes("check -error")
            ok = False
        else:
            line.update("")
            line.set_classes("check")
        fields = self.password_fields()
        # No user name: no password either (an internal relay); Tab skips those fields.
        fields.query_one("#pw-source").disabled = not username
        fields.query_one("#pw-value").disabled = not username
        ok = fields.check(username) and ok
        hint = (
            " (the user name is not an address)"
            if username
            else " (who the notifications come from)"
        )
        return self.from_ok(username, required="@" not in username, hint=hint) and ok

    def build_result(self, choice: PasswordChoice) -> SmtpSignIn:
        return SmtpSignIn(
            username=self.query_one("#username", Input).value.strip(),
            password=choice,
            **self.message_fields(),
        )


def apply_signin(state: WizardState, result: SmtpSignIn) -> None:
    state.draft = state.draft.with_section("smtp", username=result.username)
    state.draft = state.draft.with_section(
        "message", default_from=result.default_from, format=result.format
    )
    apply_password(state, "smtp", result.username, result.password)


STEPS = [
    Step.named("smtp-server", SmtpServerScreen, apply_server),
    Step.named("smtp-signin", SmtpSignInScreen, apply_signin),
]
