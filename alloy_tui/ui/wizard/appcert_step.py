"""The "Sign in" step for app-only: create or choose the certificate, the registration command
(^Y), the mailbox, the scoping commands (^Y), and Check (acquire a token) before going on.

The check runs in a thread worker and reports back with a `Checked` message (thread-safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from alloy_tui.core.errors import printable
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.signin_mode_step import SwitchMode, offer_text
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.workers import reports_errors

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings
    from alloy_tui.core.errors import Explanation
    from alloy_tui.core.signin import AppToken


@dataclass(frozen=True)
class AppCertChoice:
    certificate: str
    mailbox: str


def default_path(state: WizardState) -> str:
    from alloy_tui.core.signin import certificate

    eo = state.draft.exchange_online
    if eo.certificate:
        return eo.certificate
    if state.sandbox is not None:
        return str(state.sandbox.workdir / certificate.DEFAULT_NAME)
    return str(certificate.certificate_path(state.draft, state.config_path))


def default_mailbox(state: WizardState) -> str:
    eo = state.draft.exchange_online
    if eo.mailbox or eo.account or state.sandbox is None:
        return eo.mailbox or eo.account
    return state.sandbox.sandbox.auto_approve_account  # the mailbox the sandbox app may use


class AppCertScreen(WizardScreen[AppCertChoice]):
    STEP_TITLE = "Sign in (app-only certificate)"
    ENTER_NEXT_FIELD = True
    HELP = """\
App-only sign-in in four steps:

  1. The certificate: ^G creates a new RSA 2048 key and self-signed
     certificate in the file named (mode 0600), or name one you have (PEM,
     unencrypted key followed by its certificate).
  2. Register it on the app registration: the az command (^Y copies all).
  3. The mailbox the app sends as, and the Exchange Online PowerShell
     commands that limit the app to it (RBAC for Applications; 30 minutes to
     2 hours to apply). Do not grant the unscoped Entra Mail.Send permission.
  4. ^T checks: alloy-tui signs an assertion and asks Entra ID for a token.

Enter goes on once the check worked. Keys: ^G create, ^Y copy commands,
^T check."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "check", "Check", key_display="^T"),
        Binding("ctrl+g", "create", "New cert", key_display="^G"),
        Binding("ctrl+y", "copy_commands", "Copy", key_display="^Y"),
        Binding("ctrl+o", "switch_mode", "Device code", key_display="^O", show=False),
    ]

    class Checked(Message):
        def __init__(
            self, attempt: int, token: AppToken | None, problem: Explanation | None
        ) -> None:
            super().__init__()
            self.attempt, self.token, self.problem = attempt, token, problem

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.attempt = 0
        self.checking = False
        self.checked: tuple[str, str] | None = None  # (certificate, mailbox) that worked

    def compose_body(self) -> ComposeResult:
        yield Static(offer_text("certificate"), id="mode-offer", markup=False)
        yield Static(
            "Certificate file (key + certificate, mode 0600; ^G creates one)",
            classes="label",
            markup=False,
        )
        yield Input(self.initial("certificate", default_path(self.state)), id="certificate")
        yield Static("", id="cert-info", classes="check", markup=False)
        yield Static(
            "Register it on the app (Azure CLI; ^Y copies all commands):",
            classes="label",
            markup=False,
        )
        yield Static("", id="register", classes="code", markup=False)
        yield Static("Mailbox the app sends as", classes="label", markup=False)
        yield Input(
            self.initial("mailbox", default_mailbox(self.state)),
            placeholder="alerts@contoso.com",
            id="mailbox",
        )
        yield Static("", id="mailbox-check", classes="check", markup=False)
        yield Static(
            "Limit the app to it (Exchange Online PowerShell; 30 min to 2 h to apply):",
            classes="label",
            markup=False,
        )
        yield Static("", id="scoping", classes="code", markup=False)
        yield Static("", id="unscoped", markup=False)
        yield Static("", id="check-result", markup=False)
        yield ExplanationPanel(id="check-error")

    def on_mount(self) -> None:
        from alloy_tui.core.explain import app_commands

        self.query_one("#check-error", ExplanationPanel).clear()
        self.query_one("#unscoped", Static).update(f"Warning: {app_commands.UNSCOPED_WARNING}")
        self._refresh_texts()
        self.query_one("#certificate", Input).focus()

    # -- what the fields say ------------------------------------------------------------------
    def _path(self) -> Path:
        value = self.query_one("#certificate", Input).value.strip()
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.state.config_path.parent / p

    def _mailbox(self) -> str:
        return self.query_one("#mailbox", Input).value.strip()

    def _refresh_texts(self) -> None:
        from alloy_tui.core.explain import app_commands
        from alloy_tui.core.signin import certificate

        eo = self.state.draft.exchange_online
        path = self._path()
        public = certificate.public_path(path)
        self.query_one("#register", Static).update(
            "\n".join(app_commands.registration_commands(eo.client_id, public))
        )
        scoping = app_commands.scoping_commands(
            eo.client_id, self._mailbox(), eo.api, large_messages=eo.large_messages
        )
        self.query_one("#scoping", Static).update("\n".join(scoping))
        self._show_certificate(path)
        self._show_mailbox()

    def _show_certificate(self, path: Path) -> bool:
        from alloy_tui.core.errors import UserInputError
        from alloy_tui.core.signin import certificate

        line = self.query_one("#cert-info", Static)
        if not path.exists():
            line.update("No file there yet: ^G creates it.")
            line.set_classes("check")
            return False
        try:
            info = certificate.load(path).info
            certificate.check_valid(info)
        except UserInputError as e:
            line.update(f"✗ {e}")
            line.set_classes("check -error")
            return False
        line.update(f"✓ SHA-1 {info.sha1}, expires {info.expiry_text()}")
        line.set_classes("check -ok")
        return True

    def _show_mailbox(self) -> bool:
        from alloy_tui.core.config import validate

        box = self._mailbox()
        line = self.query_one("#mailbox-check", Static)
        draft = self.state.draft.with_section("exchange_online", mailbox=box)
        problems = [p for p in validate(draft) if p.key == "exchange_online.mailbox"]
        if not box or problems:
            line.update(f"✗ {problems[0]}" if problems else "✗ enter the mailbox's address")
            line.set_classes("check -error")
            return False
        line.update("✓ looks right")
        line.set_classes("check -ok")
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        self.checked = None
        self.query_one("#check-result", Static).update("")
        self._refresh_texts()

    # -- actions ------------------------------------------------------------------------------
    def action_create(self) -> None:
        from alloy_tui.core.errors import UserInputError
        from alloy_tui.core.signin import certificate

        path = self._path()
        try:
            kept = certificate.keep_previous(path)
            cred = certificate.write_new(path)
        except UserInputError as e:
            self.say(str(e), "error")
            return
        note = f" The previous one is kept as {kept}." if kept else ""
        if self.state.sandbox is not None:  # like `az ad app credential reset` for the sandbox app
            self.state.sandbox.sandbox.register_certificate(cred.certificate_pem)
            note += " Sandbox: registered on the sandbox app already."
        self.checked = None
        self._refresh_texts()
        self.say(f"Created {path} (0600).{note}", "success")

    def action_switch_mode(self) -> None:
        if self.ready:
            self.dismiss(SwitchMode("device-code"))

    def action_copy_commands(self) -> None:
        text = "\n".join(
            [
                str(self.query_one("#register", Static).content),
                str(self.query_one("#scoping", Static).content),
            ]
        )
        self.app.copy_to_clipboard(text)
        self.notify(
            "Sent the commands to your clipboard through the terminal (OSC 52). If nothing "
            "arrived, your terminal blocks OSC 52: select the text instead.",
            title="Copied",
        )

    def _draft(self) -> Settings:
        return self.state.draft.with_section(
            "exchange_online",
            auth="certificate",
            certificate=self.query_one("#certificate", Input).value.strip(),
            mailbox=self._mailbox(),
        )

    def action_check(self) -> None:
        if self.checking:
            return
        ok_cert = self._show_certificate(self._path())
        ok_box = self._show_mailbox()
        if not (ok_cert and ok_box):
            self.say("Fix the lines marked ✗ (or ^G to create the certificate) first.", "error")
            return
        self.attempt += 1
        self.checking = True
        self.query_one("#check-error", ExplanationPanel).clear()
        self.query_one("#check-result", Static).update(
            "Checking: asking Entra ID for an app token..."
        )
        self._check(self.attempt, self._draft())

    @work(thread=True, exclusive=True, group="appcert", exit_on_error=False)
    @reports_errors("The certificate check")
    def _check(self, attempt: int, draft: Settings) -> None:
        from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation
        from alloy_tui.core.signin import AppOnlySignIn

        try:
            token = AppOnlySignIn(draft, self.state.config_path).check()
            self.post_message(self.Checked(attempt, token, None))
        except ExplainedError as e:
            self.post_message(self.Checked(attempt, None, e.explanation))
        except AlloyError as e:
            ex = Explanation("Cannot check the sign-in", str(e), "Correct it and press ^T again.")
            self.post_message(self.Checked(attempt, None, ex))
        except Exception as e:  # an unexpected library error: explained, never a crash
            ex = Explanation(
                "Check failed unexpectedly", f"{type(e).__name__}: {e}", "Press ^T to try again."
            )
            self.post_message(self.Checked(attempt, None, ex))

    def on_app_cert_screen_checked(self, message: Checked) -> None:
        if message.attempt != self.attempt:
            return  # a newer check started
        self.checking = False
        result = self.query_one("#check-result", Static)
        if message.token is None:
            result.update("✗ The check did not work:")
            if message.problem is not None:
                self.query_one("#check-error", ExplanationPanel).show(message.problem)
            return
        self.checked = (self.query_one("#certificate", Input).value.strip(), self._mailbox())
        roles = printable(", ".join(message.token.roles))
        result.update(f"✓ App token acquired (roles {roles}). Enter goes on to the test.")

    def collect(self) -> AppCertChoice | None:
        current = (self.query_one("#certificate", Input).value.strip(), self._mailbox())
        if self.checked != current:
            self.say("Check the sign-in first: ^T (after registering the certificate).", "warning")
            return None
        return AppCertChoice(*current)


def apply(state: WizardState, result: AppCertChoice) -> None:
    from alloy_tui.core.signin import Account

    state.draft = state.draft.with_section(
        "exchange_online",
        auth="certificate",
        certificate=result.certificate,
        mailbox=result.mailbox,
        account="",
    )
    state.account = Account(name=result.mailbox, username=result.mailbox, home_account_id="")


STEP = Step(key="signin", title="Sign in", make=AppCertScreen, apply=apply)
