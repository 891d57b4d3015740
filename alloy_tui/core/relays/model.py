"""What a relay's files say, as found: one `Finding` per meaningful line, one `Relay` per relay.

A password is kept only in `Relay.password` (never in repr, never in a finding's text): findings
say "password found in FILE" and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alloy_tui.core.errors import AlloyError


@dataclass(frozen=True)
class Finding:
    """One line of a relay's files and what it means for alloy-tui."""

    file: str  # the path as on the system (without --root)
    line: int  # 0: the file as a whole
    meaning: str

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class RelayReadError(AlloyError, ValueError):
    """A relay file that cannot be understood: which file, which line, why."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line, self.reason = file, line, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")


@dataclass
class Relay:
    """A relay as its files configure it. Empty strings: not set."""

    kind: str  # "postfix", "msmtp", ...
    label: str  # for people: "postfix (/etc/postfix/main.cf)"
    host: str = ""
    port: int = 0  # 0: not set (the relay's default applies)
    security: str = ""  # "none" | "starttls" | "ssl" | "" (unknown)
    user: str = ""
    password: str = field(default="", repr=False)
    password_file: str = ""  # where the password was found ("FILE:LINE")
    password_command: str = ""  # msmtp passwordeval
    oauth: str = ""  # a sentence when the relay already uses OAuth (xoauth2), else ""
    from_address: str = ""
    admin: str = ""  # where root's mail goes
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> one address
    service_unit: str = ""  # the systemd unit that runs it ("" : none)
    sources: dict[str, str] = field(default_factory=dict)  # what -> "FILE:LINE"
    findings: list[Finding] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def found(self, file: str, line: int, meaning: str) -> None:
        self.findings.append(Finding(file, line, meaning))

    def note(self, text: str) -> None:
        if text not in self.not_carried:
            self.not_carried.append(text)

    def source(self, what: str, file: str, line: int) -> None:
        self.sources[what] = f"{file}:{line}" if line else file
