"""Password and message-format fields shared by the SMTP and Exchange Server wizard steps.

The password is typed once into a password field and held pending in memory
(`core.secrets.set_pending`): the test step sends with it, and the review step writes it to the
0600 secrets file together with the config, never into the config. It can also come from a
command (msmtp's passwordeval) or an environment variable; a command is run once on Next (in a
thread) so a missing or failing one is caught on the step, with its exit code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from alloy_tui.ui.widgets.choice import ChoiceList, Option
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.base import WizardScreen
from alloy_tui.ui.wizard.password_choice import PasswordChoice, current_source
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.workers import Failed, explain_failure, post_from_thread, reports_errors

if TYPE_CHECKING:
    from alloy_tui.core.config import settings_model
    from alloy_tui.core.errors import Explanation

    # The section a password comes from: [smtp] or [exchange_server].
    PasswordSection = settings_model.Smtp | settings_model.ExchangeServer

SOURCE_OPTIONS = [
    Option("typed", "Type it here (kept in the secrets file, mode 0600)"),
    Option("command", "A command prints it (like msmtp's passwordeval)"),
    Option("env", "An environment variable holds it"),
]
SOURCE_LABELS = {
    "typed": "Password",
    "command": "Command that prints the password",
    "env": "Environment variable name",
}
SOURCE_PLACEHOLDERS = {
    "typed": "typed once, never shown",
    "command": "pass show mail/alerts",
    "env": "ALLOY_SMTP_PASSWORD",
}
FORMAT_OPTIONS = [
    Option("text", "Plain text"),
    Option("html", "HTML"),
]
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_from(value: str, required: bool) -> str:
    from alloy_tui.ui.wizard.test_step import check_address

    return check_address(value, "From address", required)


# --------------------------------------------------------------------------- shared widget


class PasswordFields(Vertical):
    """A source choice and one field whose meaning follows it (password / command / variable)."""

    DEFAULT_CSS = """
    PasswordFields { height: auto; }
    """

    def __init__(
        self,
        service: str,
        section: PasswordSection,
        *,
        initial: Callable[[str, Any], Any] | None = None,
        id: str | None = None,
    ) -> None:
        """`initial(widget_id, default)`: what was typed before going Back (never a password)."""
        super().__init__(id=id)
        self.service = service
        self.values = {
            "typed": "",
            "command": section.password_command,
            "env": section.password_env,
        }
        self.source = current_source(section)
        if initial is not None:
            self.source = initial("pw-source", self.source)
            if self.source != "typed":
                self.values[self.source] = initial("pw-value", self.values[self.source])

    def compose(self) -> ComposeResult:
        yield Static("Password from", classes="label", markup=False)
        yield ChoiceList(SOURCE_OPTIONS, self.source, id="pw-source")
        yield Static(SOURCE_LABELS[self.source], id="pw-label", classes="label", markup=False)
        yield Input(
            self.values[self.source],
            placeholder=SOURCE_PLACEHOLDERS[self.source],
            password=self.source == "typed",
            id="pw-value",
        )
        yield Static("", id="pw-check", classes="check", markup=False)

    def on_choice_list_changed(self, event: ChoiceList.Changed) -> None:
        if event.choice_list.id != "pw-source":
            return
        event.stop()
        field_ = self.query_one("#pw-value", Input)
        self.values[self.source] = field_.value
        self.source = event.value
        field_.password = self.source == "typed"
        field_.placeholder = SOURCE_PLACEHOLDERS[self.source]
        field_.value = self.values[self.source]
        self.query_one("#pw-label", Static).update(SOURCE_LABELS[self.source])
        self.check(self.username())

    def username(self) -> str:
        screen = self.screen
        try:
            return screen.query_one("#username", Input).value.strip()
        except Exception:  # noqa: BLE001 - not mounted in a screen with a username
            return ""

    def stored(self, username: str) -> bool:
        from alloy_tui.core import secrets
        from alloy_tui.core.errors import AlloyError

        if not username:
            return False
        try:
            return secrets.pending_password(
                self.service, username
            ) is not None or secrets.has_stored_password(self.service, username)
        except AlloyError:
            return False

    def pending(self, username: str) -> bool:
        from alloy_tui.core import secrets

        return bool(username) and secrets.pending_password(self.service, username) is not None

    def problem(self, username: str) -> str:
        """'' when fine (or no sign-in), else the problem in words."""
        if not username:
            return ""
        value = self.query_one("#pw-value", Input).value
        if self.source == "typed":
            if not value:
                return "" if self.stored(username) else "required: type the password"
            if any(c in value for c in "\r\n\x00"):
                return "a password cannot contain line breaks"
            return ""
        if self.source == "command":
            return "" if value.strip() else "required: the command that prints the password"
        name = value.strip()
        if not name:
            return "required: the name of the environment variable"
        if not ENV_NAME_RE.match(name):
            return "a variable name: letters, digits and _, e.g. ALLOY_SMTP_PASSWORD"
        import os

        if name not in os.environ:
            return f"${name} is not set in this environment"
        return ""

    def check(self, username: str) -> bool:
        line = self.query_one("#pw-check", Static)
        problem = self.problem(username)
        value = self.query_one("#pw-value", Input).value
        if not username:
            line.update("No user name: the server is used without signing in.")
            line.set_classes("check")
        elif problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        elif self.source == "typed" and not value and self.pending(username):
            line.update("✓ the password typed before is kept (in memory until you save)")
            line.set_classes("check -ok")
        elif self.source == "typed" and not value:
            line.update("✓ a password is stored for this user; leave empty to keep it")
            line.set_classes("check -ok")
        elif self.source == "typed":
            line.update(
                "✓ held in memory; saving writes it to the secrets file (0600), not the config"
            )
            line.set_classes("check -ok")
        elif self.source == "command":
            line.update("✓ it runs on Next: the first line it prints is the password")
            line.set_classes("check -ok")
        else:
            line.update("✓ set in this environment (it must be set wherever alloy-tui runs)")
            line.set_classes("check -ok")
        return not problem

    def keep_typed_password(self) -> None:
        """Leaving the step by Back: a typed password is held pending in memory (as Next does),
        so it is there when the step comes back; nothing is written to disk."""
        from alloy_tui.core import secrets

        username = self.username()
        value = self.query_one("#pw-value", Input).value
        if self.source == "typed" and username and value and not self.problem(username):
            secrets.set_pending(self.service, username, value)

    def choice(self) -> PasswordChoice:
        value = self.query_one("#pw-value", Input).value
        if self.source == "command":
            return PasswordChoice("command", command=value.strip())
        if self.source == "env":
            return PasswordChoice("env", env=value.strip())
        return PasswordChoice("typed", password=value)


class SignInScreenBase(WizardScreen[Any]):
    """Shared behaviour of the two "sign-in" screens: live checks, and running the password
    command (in a thread) before moving on."""

    SERVICE: ClassVar[str] = "smtp"
    ENTER_NEXT_FIELD = True

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.checking = False

    def password_fields(self) -> PasswordFields:
        return self.query_one(PasswordFields)

    def keep_secrets(self) -> None:
        self.password_fields().keep_typed_password()

    def compose_password_and_from(
        self, section: PasswordSection, from_placeholder: str
    ) -> ComposeResult:
        """The fields both sign-in screens end with: password, From address, message format."""
        yield PasswordFields(self.SERVICE, section, initial=self.initial)
        yield ExplanationPanel(id="pw-error")
        yield Static("From address", classes="label", markup=False)
        yield Input(
            self.initial("from", self.from_default()),
            placeholder=from_placeholder,
            id="from",
        )
        yield Static("", id="from-check", classes="check", markup=False)
        yield Static("Messages are sent as", classes="label", markup=False)
        yield ChoiceList(
            FORMAT_OPTIONS, self.initial("format", self.state.draft.message.format), id="format"
        )

    def from_default(self) -> str:
        """The From field's starting value (unless typed before going Back)."""
        return self.state.draft.message.default_from

    def from_ok(self, username: str, required: bool, hint: str) -> bool:
        """Check the From field and show the result under it; `hint` follows "required"."""
        from_value = self.query_one("#from", Input).value
        problem = check_from(from_value, required=required)
        line = self.query_one("#from-check", Static)
        if problem:
            line.update(f"✗ {problem}{hint if problem == 'required' else ''}")
            line.set_classes("check -error")
            return False
        if from_value.strip():
            line.update("✓ looks right")
            line.set_classes("check -ok")
        else:
            line.update(f"Empty: notifications come from {username}.")
            line.set_classes("check")
        return True

    def message_fields(self) -> dict[str, str]:
        """The From and format the screen's result carries."""
        return {
            "default_from": self.query_one("#from", Input).value.strip(),
            "format": self.query_one("#format", ChoiceList).value,
        }

    def fields_ok(self) -> bool:
        raise NotImplementedError

    def build_result(self, choice: PasswordChoice) -> Any:
        raise NotImplementedError

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#pw-error", ExplanationPanel).clear()
        self.fields_ok()

    def focus_first_problem(self) -> None:
        """Put the cursor in the first field marked ✗ (small terminals may not show them all)."""
        for field_id, check_id in (
            ("username", "username-check"),
            ("pw-value", "pw-check"),
            ("from", "from-check"),
        ):
            if self.query_one(f"#{check_id}", Static).has_class("-error"):
                self.query_one(f"#{field_id}", Input).focus()
                return

    def collect(self) -> Any:
        if self.checking:
            self.say("Still running the password command: wait for it.", "warning")
            return None
        self.query_one("#pw-error", ExplanationPanel).clear()
        if not self.fields_ok():
            self.say("Fix the fields marked ✗ first.", "error")
            self.focus_first_problem()
            return None
        choice = self.password_fields().choice()
        username = self.query_one("#username", Input).value.strip()
        busy = self.background_check_message(username, choice)
        if busy:
            self.checking = True
            self.say(busy)
            self._run_command(choice, username)
            return None
        return self.build_result(choice)

    def background_check_message(self, username: str, choice: PasswordChoice) -> str:
        """What runs in a thread before moving on ('' for nothing): the password command."""
        if username and choice.source == "command":
            return "Running the password command..."
        return ""

    def background_check(self, username: str, choice: PasswordChoice) -> str:
        """In a thread: raise ExplainedError (or AlloyError) if the step can't go on; returns
        what to say once it passed."""
        from alloy_tui.core import secrets

        key = "smtp" if self.SERVICE == "smtp" else "exchange_server"
        secrets.run_password_command(choice.command, timeout=15.0, key=key)
        return "✓ The password command works."

    @dataclass
    class Checked(Message, bubble=False):
        """The check before moving on passed; `said` is what to show."""

        choice: PasswordChoice
        said: str

    @work(thread=True, exclusive=True, group="password-command", exit_on_error=False)
    @reports_errors("The password command")
    def _run_command(self, choice: PasswordChoice, username: str = "") -> None:
        try:
            said = self.background_check(username, choice)
        except Exception as e:  # never a crash: the step says what failed
            explanation = explain_failure(
                e,
                self.state.draft,
                input_title="Not ready",
                input_fix="Correct it and press Enter.",
            )
            post_from_thread(self, Failed(explanation))
        else:
            post_from_thread(self, self.Checked(choice, said))

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        self.checking = False
        self.say(message.said, "ok")
        if self.is_current:
            self.dismiss(self.build_result(message.choice))

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._command_failed(message.explanation)

    def failure_status(self, explanation: Explanation) -> str:
        if explanation.code == "password.command":
            return "The password command failed; nothing was changed."
        return f"{explanation.title}; nothing was changed."

    def _command_failed(self, explanation: Explanation) -> None:
        self.checking = False
        panel = self.query_one("#pw-error", ExplanationPanel)
        panel.show(explanation)
        self.say(self.failure_status(explanation), "error")
        self.call_after_refresh(panel.scroll_visible, animate=False)


def apply_password(state: WizardState, service: str, username: str, choice: PasswordChoice) -> None:
    """Fold the password choice into the draft (and the pending password), never the config."""
    from alloy_tui.core import secrets

    section = state.draft.section_name(service)
    command = choice.command if choice.source == "command" else ""
    env = choice.env if choice.source == "env" else ""
    state.draft = state.draft.with_section(section, password_command=command, password_env=env)
    if username and choice.source == "typed" and choice.password:
        secrets.set_pending(service, username, choice.password)
