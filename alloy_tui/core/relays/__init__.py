"""Existing relays and programs that send with a password: `alloy-tui takeover` and `audit`.

Outside this package, import from here:

    discover(Root(dir), only="") -> Discovery        # the relays under a tree, files it can't read
    plan_takeover(relay, settings) -> Plan           # the relay's settings as alloy-tui's
    config_diff(loaded, plan) / apply_plan(loaded, plan)   # show / write (store + secrets file)
    switch(root, unit, target, say) / rollback(root, say)  # sendmail links, the old service
    run_audit(Root(dir)) -> AuditResult              # every program sending with a password

Each relay's files are read by its own module (postfix, msmtp, ssmtp, nullmailer, dma, exim4,
opensmtpd), from that project's documented syntax; nothing is ever run, and the old relay's files
are never changed. Names load on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names

if TYPE_CHECKING:
    from alloy_tui.core.relays.audit import LISTENER, AuditFinding, AuditResult, run_audit
    from alloy_tui.core.relays.discovery import KINDS, Discovery, discover, read_relay
    from alloy_tui.core.relays.files import Root
    from alloy_tui.core.relays.mapping import (
        EXCHANGE_ONLINE_HOSTS,
        Plan,
        exchange_online_cloud,
        plan_takeover,
    )
    from alloy_tui.core.relays.model import Finding, Relay, RelayReadError
    from alloy_tui.core.relays.switching import (
        LINKS,
        RECORD,
        SwitchError,
        has_systemd,
        planned,
        program,
        rollback,
        switch,
    )
    from alloy_tui.core.relays.writing import Written, apply_plan, config_diff

__getattr__ = lazy_names(
    globals(),
    {
        "audit": "LISTENER AuditFinding AuditResult run_audit",
        "discovery": "KINDS Discovery discover read_relay",
        "files": "Root",
        "mapping": "EXCHANGE_ONLINE_HOSTS Plan exchange_online_cloud plan_takeover",
        "model": "Finding Relay RelayReadError",
        "switching": "LINKS RECORD SwitchError has_systemd planned program rollback switch",
        "writing": "Written apply_plan config_diff",
    },
)

__all__ = [
    "EXCHANGE_ONLINE_HOSTS",
    "KINDS",
    "LINKS",
    "LISTENER",
    "RECORD",
    "AuditFinding",
    "AuditResult",
    "Discovery",
    "Finding",
    "Plan",
    "Relay",
    "RelayReadError",
    "Root",
    "SwitchError",
    "Written",
    "apply_plan",
    "config_diff",
    "discover",
    "exchange_online_cloud",
    "has_systemd",
    "planned",
    "plan_takeover",
    "program",
    "read_relay",
    "rollback",
    "run_audit",
    "switch",
]
