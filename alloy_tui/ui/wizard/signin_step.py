"""Step 4: device-code sign-in. The code big, the URL, a QR code, OSC 52 copy, a countdown.

The wait runs in a thread worker that calls the core (`SignIn`); cancelling sets its
`threading.Event`, and leaving the step or quitting cancels too, so no thread outlives the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from alloy_tui.core.errors import printable
from alloy_tui.ui.widgets.bigcode import BigCode
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.widgets.qr import QRCode
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.signin_mode_step import SwitchMode, offer_text
from alloy_tui.ui.wizard.state import BACK, WizardState
from alloy_tui.ui.wizard.step_names import heading
from alloy_tui.ui.workers import Failed, Progress, explain_failure, post_from_thread, reports_errors

if TYPE_CHECKING:
    from alloy_tui.core.errors import Explanation
    from alloy_tui.core.signin import Account, DeviceCode

# Where the QR code goes: under the big code when the window is this tall (and wide), else
# beside the text (the code then in plain letters) when there is room for that: 80x24 does.
QR_MIN_HEIGHT = 30  # lines the window needs for the QR code under the big code
QR_MIN_WIDTH = 80
BESIDE_TEXT_WIDTH = 40  # the text column beside the QR code, at least
FRAME_ROWS = 5  # title bar, footer, heading (and its margin), one spare line

#: Keys that work only in some phases of the sign-in (the others are hidden from the footer).
_ACTION_PHASES = {
    "copy_code": ("waiting",),
    "cancel": ("starting", "waiting", "checking"),
    "retry": ("failed", "cancelled"),
    "change": ("signed-in",),
    "next": ("signed-in",),
}


@dataclass(frozen=True)
class SignedIn:
    account: Account


def format_remaining(seconds: float) -> str:
    s = max(0, int(seconds + 0.999))
    return f"{s // 60}:{s % 60:02d}"


class SignInScreen(WizardScreen[SignedIn]):
    STEP_TITLE = heading("signin")
    HELP = """\
Sign in to the Microsoft 365 account that sends the notifications (it needs a
mailbox; many admins make a dedicated one). This server has no browser, so the
sign-in happens on any other device:

  1. Open the address shown (or scan the QR code with your phone).
  2. Enter the code. c copies it to YOUR clipboard through your terminal
     (OSC 52, works over SSH in most terminals).
  3. Sign in and accept. This step notices by itself and shows the account.

No password is typed here or stored. The tokens are kept in the token cache
file (mode 0600), never in the config or the alert log.

Keys: c copies the code, x cancels, r tries again, Enter goes on once signed
in; press A to sign in with another account (Change).

If Microsoft refuses the sign-in, the reason and the fix are shown here, and
the attempt is in the alert log (^L)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_code", "Copy code"),
        Binding("x", "cancel", "Cancel"),
        Binding("r", "retry", "Retry"),
        Binding("a,A", "change", "Change account", key_display="A"),
        Binding("ctrl+o", "switch_mode", "App-only", key_display="^O"),
        # Before anyone signed in, Enter and ^N cannot go on: the footer does not offer Next,
        # and the keys say why instead of doing nothing. (A key bound here replaces the base
        # class's bindings of it, so Next is repeated; this step has no text field.)
        Binding("enter", "next", "Next", key_display="Enter"),
        Binding("ctrl+n", "next", "Next", key_display="^N"),
        Binding("enter,ctrl+n", "not_signed_in", "Next", show=False),
    ]

    def __init__(self, state: WizardState, *, autostart: bool = True) -> None:
        super().__init__(state)
        self.autostart = autostart
        self.phase = "idle"  # idle, checking, starting, waiting, signed-in, failed, cancelled
        self.device_code: DeviceCode | None = None
        self.account: Account | None = state.account
        self.cancel_event = threading.Event()
        self._ticker: Timer | None = None

    # -- layout -------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="signin-main"):
            with Vertical(id="signin-left"):
                yield Static("", id="signin-intro", markup=False)
                yield Static(offer_text("device-code"), id="mode-offer", markup=False)
                with Vertical(id="code-box"):
                    yield BigCode(id="bigcode")
                    yield Static("", id="code-line", markup=False)
                with Horizontal(id="signin-row"):
                    with Vertical(id="signin-info"):
                        yield Static("", id="signin-url", markup=False)
                        yield Static("", id="countdown", markup=False)
                        yield Static("", id="qr-note", markup=False)
                    yield QRCode(id="qr")  # under the big code (a tall window)
            yield QRCode(id="qr-beside")  # beside the text (80x24)
        yield Static("", id="account", markup=False)
        yield ExplanationPanel(id="signin-error")

    def on_mount(self) -> None:
        self.query_one("#signin-error", ExplanationPanel).clear()
        self._set_phase("idle")
        if self.account is not None and self.autostart:
            self.show_account(self.account, already=True)
        elif self.autostart:
            self.start(force=False)

    def on_unmount(self) -> None:
        self.cancel_event.set()

    def on_resize(self, event: events.Resize) -> None:
        # Textual runs WizardScreen.on_resize too (each class's handler in the MRO is called).
        self._place_qr()
        bigcode = self.query_one("#bigcode", BigCode)
        bigcode.call_after_refresh(bigcode.redraw)

    # -- phases -------------------------------------------------------------------------------
    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        waiting = phase == "waiting"
        self.query_one("#code-box").display = waiting
        self.query_one("#signin-row").display = waiting
        self.query_one("#account").display = phase == "signed-in"
        if phase != "waiting" and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.refresh_bindings()
        self._place_qr()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready:
            return False
        if action in _ACTION_PHASES:  # shown and working in these phases only
            return self.phase in _ACTION_PHASES[action]
        if action == "not_signed_in":
            return self.phase != "signed-in"
        return super().check_action(action, parameters)

    def qr_place(self) -> str:
        """Where the QR code fits now: "below" the big code, "beside" the text, or ""."""
        qr = self.query_one("#qr", QRCode)
        if not qr.lines:
            return ""
        width, height = self.app.size
        qr_w, qr_h = qr.needed
        below = height >= QR_MIN_HEIGHT and width >= QR_MIN_WIDTH
        beside = width >= qr_w + BESIDE_TEXT_WIDTH + 6 and height >= qr_h + FRAME_ROWS
        return "below" if below else "beside" if beside else ""

    def _place_qr(self) -> None:
        if not self.is_mounted:
            return
        qr = self.query_one("#qr", QRCode)
        beside = self.query_one("#qr-beside", QRCode)
        note = self.query_one("#qr-note", Static)
        place = self.qr_place() if self.phase == "waiting" else ""
        qr.display = place == "below"
        beside.display = place == "beside"
        # Beside the QR code the text column is narrow: the code in plain letters.
        self.set_class(place == "beside", "-qr-beside")
        self._show_code_line(place == "beside")
        if qr.lines and not place:
            qr_w, qr_h = qr.needed  # the size that shows it, said as terminals come (80x24)
            width = max(QR_MIN_WIDTH, qr_w + BESIDE_TEXT_WIDTH + 6)
            height = max(24, qr_h + FRAME_ROWS)
            note.update(f"(QR code hidden: the window is too small; {width}x{height} shows it)")
        elif qr.lines:
            note.update("Or scan the QR code with your phone's camera.")
        else:
            note.update("")

    def _show_code_line(self, plain: bool) -> None:
        if self.device_code is None:
            return
        code = printable(self.device_code.user_code)
        self.query_one("#code-line", Static).update(
            f"Code: {code}\n(c copies it to your clipboard)"
            if plain
            else f"Code: {code}    (c copies it to your clipboard)"
        )

    def start(self, *, force: bool) -> None:
        """Check the token cache (unless force), else start a device-code sign-in."""
        self.cancel_event = threading.Event()
        self.query_one("#signin-error", ExplanationPanel).clear()
        self._set_phase("checking" if not force else "starting")
        self.query_one("#signin-intro", Static).update(
            "Checking the token cache..." if not force else "Asking Microsoft for a sign-in code..."
        )
        self.say("")
        self._sign_in(force, self.cancel_event)

    def show_code(self, code: DeviceCode) -> None:
        self.device_code = code
        self._set_phase("waiting")
        self.query_one("#signin-intro", Static).update(
            "On any device with a browser (your phone works), open the address below and "
            "enter this code. Sign in as the account that will send the notifications."
        )
        self.query_one("#bigcode", BigCode).set_code(code.user_code)
        self.query_one("#signin-url", Static).update(f"Open:  {printable(code.verification_uri)}")
        self.query_one("#qr", QRCode).set_data(code.verification_uri)
        self.query_one("#qr-beside", QRCode).set_data(code.verification_uri)
        self._place_qr()
        self._tick()
        self._ticker = self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self.device_code is None:
            return
        left = self.device_code.expires_at - self.app.clock()  # type: ignore[attr-defined]
        line = self.query_one("#countdown", Static)
        if left > 0:
            line.update(
                f"Waiting for you to sign in. The code expires in {format_remaining(left)}."
            )
        else:
            line.update("✗ The code has expired. Press r for a new one.")

    def show_account(self, account: Account, *, already: bool = False) -> None:
        self.account = account
        if not already:
            self.state.signed_in = account.username  # quitting now asks first
        self._set_phase("signed-in")
        self.say("")  # a "Not signed in yet" said while waiting is no longer true
        self.query_one("#signin-intro", Static).update(
            "Already signed in (found in the token cache)." if already else "Signed in."
        )
        name = printable(
            f"{account.name} <{account.username}>" if account.name else account.username
        )
        self.query_one("#account", Static).update(
            f"✓ Signed in as {name}\n\n"
            "Notifications will be sent from this account. Press Enter to go on, or A to "
            "sign in with another account (Change)."
        )

    def show_failure(self, explanation: Explanation) -> None:
        self._set_phase("failed")
        self.query_one("#signin-intro", Static).update("The sign-in did not work. r tries again.")
        from alloy_tui.ui.wizard.fix_words import for_wizard

        panel = self.query_one("#signin-error", ExplanationPanel)
        panel.show(for_wizard(explanation, on_signin=True))

    def show_cancelled(self) -> None:
        self._set_phase("cancelled")
        self.query_one("#signin-intro", Static).update(
            "Sign-in cancelled. Press r to start again, or Esc to go back."
        )

    # -- the worker ---------------------------------------------------------------------------
    @dataclass
    class Found(Message, bubble=False):
        """Signed in (`already`: the token cache had the account)."""

        account: Account
        attempt: threading.Event
        already: bool = False

    @dataclass
    class CodeReady(Message, bubble=False):
        code: DeviceCode
        attempt: threading.Event

    @dataclass
    class Cancelled(Message, bubble=False):
        attempt: threading.Event

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    @reports_errors("The sign-in")
    def _sign_in(self, force: bool, cancel: threading.Event) -> None:
        from alloy_tui.core import signin as auth

        settings = self.state.draft
        try:
            signin = auth.SignIn(settings, self.state.config_path)
            if not force:
                account = signin.current_account()
                if account is not None:
                    post_from_thread(self, self.Found(account, cancel, already=True))
                    return
                post_from_thread(self, Progress("Asking Microsoft for a sign-in code...", cancel))
            code = signin.start_device_flow()
            if cancel.is_set():
                post_from_thread(self, self.Cancelled(cancel))
                return
            post_from_thread(self, self.CodeReady(code, cancel))
            account = signin.wait_for_device_flow(cancel)
            post_from_thread(self, self.Found(account, cancel))
        except (
            Exception
        ) as e:  # a refusal, or an unexpected library error: explained, never a crash
            if isinstance(e, auth.SignInCancelled) or cancel.is_set():
                post_from_thread(self, self.Cancelled(cancel))
                return
            explanation = explain_failure(
                e,
                settings,
                input_title="Cannot start the sign-in",
                input_fix="Press Esc to go back to the app registration step and correct it.",
            )
            post_from_thread(self, Failed(explanation, cancel))

    def _current(self, attempt: object, *, cancelled: bool = False) -> bool:
        """A worker's message is for this attempt (not one started before r or a), and the
        attempt was not cancelled meanwhile (unless it says so)."""
        if attempt is not self.cancel_event:
            return False
        return cancelled or not self.cancel_event.is_set()

    @on(Found)
    def _found(self, message: Found) -> None:
        if self._current(message.attempt):
            self.show_account(message.account, already=message.already)

    @on(CodeReady)
    def _code_ready(self, message: CodeReady) -> None:
        if self._current(message.attempt):
            self.show_code(message.code)

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        if self._current(message.attempt):
            self._set_phase("starting")
            self.query_one("#signin-intro", Static).update(printable(message.text, multiline=True))

    @on(Cancelled)
    def _cancelled(self, message: Cancelled) -> None:
        if self._current(message.attempt, cancelled=True):
            self.show_cancelled()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if self._current(message.attempt):
            self.show_failure(message.explanation)

    # -- actions ------------------------------------------------------------------------------
    def action_copy_code(self) -> None:
        if self.device_code is None:
            return
        self.app.copy_to_clipboard(self.device_code.user_code)
        self.notify(
            f"Sent {self.device_code.user_code} to your clipboard through the terminal (OSC 52). "
            "If nothing arrived, your terminal blocks OSC 52: type the code instead.",
            title="Code copied",
            markup=False,
        )

    def action_cancel(self) -> None:
        self.cancel_event.set()
        if self.phase in ("starting", "waiting", "checking"):
            self.show_cancelled()

    def action_retry(self) -> None:
        self.start(force=True)

    def action_change(self) -> None:
        self.start(force=True)

    def action_switch_mode(self) -> None:
        """App-only with a certificate instead (the flow shows the certificate step)."""
        self.cancel_event.set()
        if self.ready:
            self.dismiss(SwitchMode("certificate"))

    def action_back(self) -> None:
        self.cancel_event.set()
        if self.ready:
            self.dismiss(BACK)

    def action_not_signed_in(self) -> None:
        self.collect()

    def collect(self) -> SignedIn | None:
        if self.phase == "signed-in" and self.account is not None:
            return SignedIn(self.account)
        if self.phase == "waiting":
            self.say(
                "Not signed in yet: enter the code in a browser first, or Esc to go back.",
                "warning",
            )
        else:
            self.say("Not signed in yet: press r to start the sign-in.", "warning")
        return None


def apply(state: WizardState, result: SignedIn) -> None:
    state.account = result.account
    state.draft = state.draft.with_section("exchange_online", account=result.account.username)


STEP = Step.named("signin", SignInScreen, apply)
