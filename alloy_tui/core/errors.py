"""Errors a person can act on: a title, a plain-English cause and the exact fix.

Every failure that reaches the admin (CLI line, wizard panel, alert log entry) is an
`ExplainedError`. Its text never holds a token or a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Explanation:
    title: str  # "Public client flows are turned off"
    cause: str  # what happened, in words
    fix: str  # the exact steps to change it
    code: str = ""  # "AADSTS7000218", "ErrorSendAsDenied", "smtp.535", "tls", "dns" ...
    request_id: str = ""  # Microsoft request id when there is one
    retryable: bool = False
    details: dict[str, Any] = field(default_factory=dict)

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
