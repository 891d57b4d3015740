"""The trial send step (key "test"): one real test message with the settings so far, before
anything is saved. Recipient (and From with delegation) validated as typed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from alloy_tui.core.errors import printable
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.widgets.hanging import HangingStatic
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading
from alloy_tui.ui.workers import Failed, explain_failure, post_from_thread, reports_errors

if TYPE_CHECKING:
    from textual.widget import Widget

    from alloy_tui.core.config import Settings
    from alloy_tui.core.errors import Explanation
    from alloy_tui.core.mail import SendResult

SPINNER = "|/-\\"


@dataclass(frozen=True)
class TrialSendOutcome:
    """What the trial send step found: to whom, from whom, and whether it went through."""

    to: str
    from_address: str
    result: SendResult | None  # None: not sent (or it failed); the review step warns
    tested_with: Settings | None = None  # the Settings the message went through with


def check_address(text: str, what: str, required: bool) -> str:
    """'' when fine, else the problem in words (the core's own address rules)."""
    text = text.strip()
    if not text:
        return "required" if required else ""
    from alloy_tui.core.errors import UserInputError
    from alloy_tui.core.mail import parse_address

    try:
        parse_address(text, what)
    except UserInputError as e:
        return str(e)
    return ""


class TrialSendScreen(WizardScreen[TrialSendOutcome]):
    """Send a trial message; Next goes on to review, with or without one."""

    STEP_TITLE = heading("test")
    ENTER_NEXT_FIELD = True
    ENTER_SUBMITS = "send"
    HELP = """\
Sends one real test message with the settings so far (nothing is saved yet).
The message says it is a test from alloy-tui, from which host, through which
service, API and account, From whom, and when.

Recipient: any address you can read. From (only with 'From' address
delegation on): leave it empty to send as the signed-in account, or name a
user who has granted that account Send On Behalf.

If it fails, the reason and the exact fix are shown here, and the cursor goes
back to the field to fix. Every attempt, sent or failed, is in the alert log
(^L).

Keys: Enter in a field moves to the next field, and in the last field sends;
^T sends from anywhere; ^N goes on to review, also without a test."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "send", "Send test", key_display="^T"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.sending = False
        self.result: SendResult | None = None
        self.sent_to = ""
        self.sent_from = ""
        self._started = 0.0
        self._spin: Timer | None = None
        self._frame = 0

    @property
    def delegation(self) -> bool:
        s = self.state.draft
        return s.service == "exchange-online" and s.exchange_online.from_delegation

    def compose_body(self) -> ComposeResult:
        yield Static(
            "Send a test message with these settings (nothing is saved yet).", markup=False
        )
        yield Static("Recipient", classes="label", markup=False)
        yield Input(self.initial("to", self.state.test_to), placeholder="you@example.com", id="to")
        yield Static("", id="to-check", classes="check", markup=False)
        if self.delegation:
            yield Static("From (empty: the signed-in account)", classes="label", markup=False)
            yield Input(
                self.initial("from", self.state.test_from),
                placeholder="user@example.com (on behalf of)",
                id="from",
            )
            yield Static("", id="from-check", classes="check", markup=False)
        yield Static("", id="progress", markup=False)
        yield HangingStatic("", id="sent")  # a wrapped value stays under its column
        yield Static("", id="sent-warnings", classes="notice -warning", markup=False)
        yield ExplanationPanel(id="send-error")
        yield Static("", id="log-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#send-error", ExplanationPanel).clear()
        self.query_one("#sent").display = False
        self.query_one("#sent-warnings").display = False
        self.query_one("#progress").display = False
        self.query_one("#to", Input).focus()
        for key in self._fields():
            if self.query_one(f"#{key}", Input).value:
                self._check(key)
        state = self.state
        if state.keep_test_if_current() and state.test_result is not None:
            # Back here after a test that went through with these same settings: still valid.
            self.show_sent(state.test_result, state.test_to, state.test_from, state.tested_with)

    def _fields(self) -> list[str]:
        return ["to", "from"] if self.delegation else ["to"]

    def _check(self, key: str) -> bool:
        field = self.query_one(f"#{key}", Input)
        what = "recipient" if key == "to" else "From address"
        problem = check_address(field.value, what, required=key == "to")
        line = self.query_one(f"#{key}-check", Static)
        if problem:
            line.update(f"✗ {problem}")
            line.set_classes("check -error")
        elif field.value.strip():
            line.update("✓ looks right")
            line.set_classes("check -ok")
        else:
            line.update("")
            line.set_classes("check")
        return not problem

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("to", "from"):
            self._check(event.input.id)
            self._sent_box_for_fields()

    def _sent_box_for_fields(self) -> None:
        """The "✓ sent" box stands beside the addresses it was sent to, and only those."""
        if self.result is None or self.sending:
            return
        to = self.query_one("#to", Input).value.strip()
        from_address = self.query_one("#from", Input).value.strip() if self.delegation else ""
        same = (to, from_address) == (self.sent_to, self.sent_from)
        self.query_one("#sent").display = same
        self.query_one("#sent-warnings").display = same and bool(
            str(self.query_one("#sent-warnings", Static).content)
        )
        self.query_one("#log-hint").display = same

    def input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the last field sends (Next is ^N here)."""
        self.action_send()

    def _focus_field(self, key: str) -> None:
        """Put the cursor in the field to fix, and scroll so it shows above the result."""
        field = self.query_one(f"#{key}", Input)
        field.focus(scroll_visible=False)
        label: Widget = field
        siblings = list(self.query_one("#body").children)
        i = siblings.index(field)
        if i > 0:
            label = siblings[i - 1]  # the field's label
        body = self.query_one("#body")

        def to_label() -> None:  # once the result below is laid out, so the body can scroll
            body.scroll_to_widget(label, top=True, animate=False, immediate=True)

        self.call_after_refresh(to_label)
        self.set_timer(0.05, to_label)  # a slow terminal: again, after the next layout

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready:
            return False
        if action == "send":
            return None if self.sending else True
        return super().check_action(action, parameters)

    def action_send(self) -> None:
        if self.sending:
            return
        bad = [k for k in self._fields() if not self._check(k)]
        if bad:
            self.say("Fix the fields marked ✗ first.", "error")
            if not (isinstance(self.focused, Input) and self.focused.id in bad):
                self._focus_field(bad[0])
            return
        to = self.query_one("#to", Input).value.strip()
        from_address = self.query_one("#from", Input).value.strip() if self.delegation else ""
        self.sending = True
        self.refresh_bindings()
        self.say("")
        self.query_one("#send-error", ExplanationPanel).clear()
        self.query_one("#sent").display = False
        self.query_one("#sent-warnings").display = False
        self.query_one("#log-hint", Static).update("")
        self.query_one("#log-hint").display = True
        self._started = time.monotonic()
        self._spin = self.set_interval(0.1, self._progress)
        self.query_one("#progress").display = True
        self._progress()
        self.query_one("#progress").scroll_visible()
        self._send(to, from_address, self.state.draft)

    def _progress(self) -> None:
        self._frame += 1
        elapsed = time.monotonic() - self._started
        spin = SPINNER[self._frame % len(SPINNER)]
        self.query_one("#progress", Static).update(
            f"{spin} Sending the test message... {elapsed:.1f} s"
        )

    @dataclass
    class Sent(Message, bubble=False):
        """The trial message went through `settings`."""

        result: SendResult
        to: str
        from_address: str
        settings: Settings

    @work(thread=True, exclusive=True, group="test-send", exit_on_error=False)
    @reports_errors("The test message")
    def _send(self, to: str, from_address: str, settings: Settings) -> None:
        from alloy_tui.core.mail import send_test_message

        try:
            result = send_test_message(settings, self.state.config_path, to, from_address)
        except Exception as e:  # never a crash: show what happened
            explanation = explain_failure(
                e, settings, input_title="Not sent", input_fix="Correct it and press ^T again."
            )
            post_from_thread(self, Failed(explanation))
        else:
            post_from_thread(self, self.Sent(result, to, from_address, settings))

    @on(Sent)
    def _sent(self, message: Sent) -> None:
        self.show_sent(message.result, message.to, message.from_address, message.settings)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.show_failure(message.explanation)

    def _done_sending(self) -> None:
        self.sending = False
        if self._spin is not None:
            self._spin.stop()
            self._spin = None
        self.query_one("#progress", Static).update("")
        self.query_one("#progress").display = False
        self.refresh_bindings()

    def show_sent(
        self, result: SendResult, to: str, from_address: str, settings: Settings | None = None
    ) -> None:
        self._done_sending()
        self.result = result
        self.sent_to, self.sent_from = to, from_address
        self.tested_with = settings if settings is not None else self.state.draft
        # Kept at once (not only on Next): going Back must not forget a test that went through.
        self.state.test_result = result
        self.state.tested_with = self.tested_with
        self.state.test_to, self.state.test_from = to, from_address
        from alloy_tui.ui.wizard.sent_summary import sent_text, warning_lines

        warnings = warning_lines(result)
        head = "✓ Test message has been sent" + (", with a warning (below)" if warnings else "")
        sent = self.query_one("#sent", Static)
        sent.update(
            printable(head + "\n\n" + sent_text(result, to, self.tested_with), multiline=True)
        )
        sent.display = True
        notice = self.query_one("#sent-warnings", Static)
        notice.update(printable("\n".join(warnings), multiline=True))
        notice.display = bool(warnings)
        logged = "Logged as a warning" if warnings else "Logged"
        self.query_one("#log-hint", Static).update(
            f"{logged} in the alert log (^L). ^N goes on (local mail, then review and save)."
        )
        self.call_after_refresh(self.query_one("#log-hint").scroll_visible)

    def show_failure(self, explanation: Explanation, to: str = "", from_address: str = "") -> None:
        self._done_sending()
        self.result = None
        from alloy_tui.ui.wizard.fix_words import for_wizard

        self.query_one("#send-error", ExplanationPanel).show(for_wizard(explanation))
        verdict = str(getattr(explanation, "verdict", "") or "")
        self.query_one("#log-hint", Static).update(
            "The attempt is in the alert log (^L). "
            + (
                "This is temporary (the service, or the network): press ^T to try again in a "
                "moment; queued mail waits and goes out by itself."
                if verdict in ("service", "retry")
                else "Fix it and press ^T to send again; Esc goes back to change a setting."
            )
        )
        self._focus_field(self._field_to_fix(explanation))

    def _field_to_fix(self, explanation: Explanation) -> str:
        """The field the failure is about: From for a refused on-behalf send, the recipient for
        a refused address, else the field the cursor was in (the recipient when none)."""
        code = str(getattr(explanation, "code", "") or "")
        title = str(getattr(explanation, "title", "") or "").lower()
        if self.delegation and self.query_one("#from", Input).value.strip():
            if "SendAs" in code or "on behalf" in title:
                return "from"
        verdict = str(getattr(explanation, "verdict", "") or "")
        if verdict == "recipients" or "Recipient" in code or "recipient" in title:
            return "to"
        focused = self.focused
        if isinstance(focused, Input) and focused.id in self._fields():
            return focused.id or "to"
        return "to"

    def collect(self) -> TrialSendOutcome | None:
        if self.sending:
            self.say("Still sending: wait for the result.", "warning")
            return None
        to = self.query_one("#to", Input).value.strip()
        from_address = self.query_one("#from", Input).value.strip() if self.delegation else ""
        if self.result is not None:
            return TrialSendOutcome(
                self.sent_to, self.sent_from, self.result, getattr(self, "tested_with", None)
            )
        return TrialSendOutcome(to, from_address, None)


def apply(state: WizardState, result: TrialSendOutcome) -> None:
    state.test_to = result.to
    state.test_from = result.from_address
    if result.result is not None:
        state.test_result = result.result
        state.tested_with = result.tested_with


STEP = Step.named("test", TrialSendScreen, apply)
