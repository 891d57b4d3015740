"""Errors a person can act on: a title, a plain-English cause and the exact fix.

Every failure that reaches the admin (CLI line, wizard panel, alert log entry) is an
`ExplainedError`. Its text never holds a token or a password.
"""

from __future__ import annotations

from typing import Any

# `printable` lives in core/terminal_text.py (with json_text); every door imports it from here.
from alloy_tui.core.terminal_text import printable as printable


def clean_fields(obj: object, *names: str, multiline: bool = False) -> None:
    """Pass the named text fields of a (frozen) dataclass through `printable`, in place: for
    types whose values a server chose (an account's display name, a device code's message, a
    request id) and that a command prints."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str) and not value.isprintable():
            object.__setattr__(obj, name, printable(value, multiline=multiline))


# What a failure means for the outbox, decided where the failure is explained (issue 19):
#   service     temporary; the service or account can't send now (outage, 429/503/504, network,
#               throttling, sign-in needed): holds every message
#   message     this message can never go as it is: fails it, holds nothing
#   recipients  permanent for the recipients named in details["refused_recipients"] only
#   retry       temporary, this message only: back-off for it, holds nothing
#   settings    nothing can go until the settings change: holds every message
#   ""          not decided by the explainer (the outbox's policy decides from the code)
VERDICTS = ("service", "message", "recipients", "retry", "settings")


class Explanation:
    """What went wrong, why, and the exact fix. Written by hand rather than as a dataclass:
    this module is imported by every door (sendmail runs for each cron job), and the
    dataclasses module costs a tenth of the interpreter's start-up. `replace` gives a copy."""

    __slots__ = ("title", "cause", "fix", "code", "request_id", "retryable", "details", "verdict")

    def __init__(
        self,
        title: str,  # "Public client flows are turned off"
        cause: str,  # what happened, in words
        fix: str,  # the exact steps to change it
        code: str = "",  # "AADSTS7000218", "ErrorSendAsDenied", "smtp.535", "tls", "dns" ...
        request_id: str = "",  # Microsoft request id when there is one
        retryable: bool = False,
        details: dict[str, Any] | None = None,
        verdict: str = "",  # one of VERDICTS, or "" (see above)
    ) -> None:
        # The cause and fix often quote a server (error codes, messages, AADSTS descriptions):
        # whatever builds an Explanation, no escape sequence reaches a terminal or the log.
        self.title = printable(title) if isinstance(title, str) else title
        self.code = printable(code) if isinstance(code, str) else code
        self.request_id = printable(request_id) if isinstance(request_id, str) else request_id
        self.cause = printable(cause, multiline=True) if isinstance(cause, str) else cause
        self.fix = printable(fix, multiline=True) if isinstance(fix, str) else fix
        self.retryable = retryable
        self.verdict = verdict
        self.details: dict[str, Any] = {} if details is None else details
        for key, value in self.details.items():
            if isinstance(value, str):
                self.details[key] = printable(value, multiline=True)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Explanation({shown})"

    def replace(self, **changes: Any) -> Explanation:
        """A copy with some fields changed (as dataclasses.replace would)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values["details"] = dict(self.details)
        values.update(changes)
        return Explanation(**values)

    def one_line(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.title}{code}: {self.cause} Fix: {self.fix}"


class AlloyError(Exception):
    """Base for every error alloy-tui raises on purpose."""


class ExplainedError(AlloyError):
    """An error that already carries its explanation."""

    exit_code = 1  # the CLI's exit status: 1 a send or sign-in failed, 2 bad input or settings

    def __init__(self, explanation: Explanation) -> None:
        self.explanation = explanation
        super().__init__(explanation.one_line())


class UserInputError(AlloyError):
    """Bad input from the admin (an address, a GUID, a path): one clear sentence."""


class LocalProblem(ExplainedError, UserInputError):
    """A local file alloy-tui needs is in the way (wrong mode or owner, unreadable, locked): the
    explanation names the file and the fix. Still a UserInputError for callers that catch one."""

    exit_code = 2


class SettingsNotReady(ExplainedError):
    """The settings are unfinished or invalid (a settings problem: exit 2, as the README says)."""

    exit_code = 2
