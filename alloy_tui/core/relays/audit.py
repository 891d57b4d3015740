"""`alloy-tui audit`: every program on this host set up to send mail with a password over SMTP,
and which of them point at Exchange Online (where passwords stop working), each with the exact
change that points it at `alloy-tui smtpd` (127.0.0.1:2525, no password) instead.

Passwords are never kept: a finding only says whether one is used."""

from __future__ import annotations

from dataclasses import dataclass

from alloy_tui.core.relays import audit_apps, audit_ini, audit_programs, msmtp
from alloy_tui.core.relays.audit_model import LISTENER, AuditFinding
from alloy_tui.core.relays.discovery import discover
from alloy_tui.core.relays.files import Root
from alloy_tui.core.relays.model import Relay, RelayReadError

__all__ = ["LISTENER", "AuditFinding", "AuditResult", "run_audit"]


@dataclass
class AuditResult:
    findings: list[AuditFinding]
    errors: list[RelayReadError]

    @property
    def at_risk(self) -> bool:
        return any(f.at_risk for f in self.findings)


def _relay_finding(relay: Relay, program: str) -> AuditFinding:
    where = relay.sources.get("host", relay.files[0] if relay.files else "")
    file, _, line = (
        where.rpartition(":") if where.rpartition(":")[2].isdigit() else (where, "", "0")
    )
    change = (
        f"alloy-tui takeover --from {relay.kind} (then --switch)"
        if program == relay.kind
        else f"host 127.0.0.1, port 2525, tls off, auth off (no user or password) in {file}"
    )
    has_password = bool(relay.password) or (bool(relay.password_command) and not relay.oauth)
    return AuditFinding(
        program, file, int(line), "host", relay.host, relay.port, has_password, change
    )


def _users_msmtp(root: Root, errors: list[RelayReadError]) -> list[AuditFinding]:
    """Each user's own ~/.msmtprc or ~/.config/msmtp/config (programs run as them use it)."""
    out = []
    for home in root.glob("/home", "*"):
        for name in (".msmtprc", ".config/msmtp/config"):
            file = f"{home}/{name}"
            try:
                relay = msmtp.read_file(root, file)
            except RelayReadError as e:
                errors.append(e)
                continue
            if relay is not None:
                out.append(_relay_finding(relay, "msmtp (user)"))
    return out


def run_audit(root: Root) -> AuditResult:
    findings: list[AuditFinding] = []
    errors: list[RelayReadError] = []
    found = discover(root)
    errors += found.errors
    findings += [_relay_finding(relay, relay.kind) for relay in found.relays]
    findings += _users_msmtp(root, errors)
    for reader in (*audit_ini.READERS, *audit_programs.READERS, *audit_apps.READERS):
        try:
            findings += reader(root)
        except RelayReadError as e:
            errors.append(e)
    findings.sort(key=lambda f: (f.urgency, f.program, f.file, f.line))
    return AuditResult(findings, errors)
