"""`alloy-tui audit`: every program on this host set up to send mail with a password over SMTP,
and which of them point at Exchange Online (where passwords stop working), each with the exact
change that points it at `alloy-tui smtpd` (127.0.0.1:2525, no password) instead.

Passwords are never kept: a finding only says whether one is used."""

from __future__ import annotations

from dataclasses import dataclass

from alloy_tui.core.relays import audit_apps, audit_programs
from alloy_tui.core.relays.audit_model import LISTENER, AuditFinding
from alloy_tui.core.relays.discovery import discover
from alloy_tui.core.relays.files import Root
from alloy_tui.core.relays.model import RelayReadError

__all__ = ["LISTENER", "AuditFinding", "AuditResult", "run_audit"]


@dataclass
class AuditResult:
    findings: list[AuditFinding]
    errors: list[RelayReadError]

    @property
    def at_risk(self) -> bool:
        return any(f.at_risk for f in self.findings)


def run_audit(root: Root) -> AuditResult:
    findings: list[AuditFinding] = []
    errors: list[RelayReadError] = []
    found = discover(root)
    errors += found.errors
    for relay in found.relays:
        main = relay.files[0] if relay.files else ""
        line = int(relay.sources.get("host", ":0").rpartition(":")[2] or 0)
        findings.append(
            AuditFinding(
                relay.kind,
                main,
                line,
                "relay host",
                relay.host,
                relay.port,
                bool(relay.password) or bool(relay.password_command) and not relay.oauth,
                f"alloy-tui takeover --from {relay.kind} (then --switch)",
            )
        )
    for reader in (*audit_programs.READERS, *audit_apps.READERS):
        try:
            findings += reader(root)
        except RelayReadError as e:
            errors.append(e)
    findings.sort(key=lambda f: (f.urgency, f.program, f.file, f.line))
    return AuditResult(findings, errors)
