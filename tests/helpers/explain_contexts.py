"""The mailbox, owner and app the Microsoft 365 explanation tests speak of (not a test module)."""

from __future__ import annotations

from alloy_tui.core.explain.dispatch import ExplainContext

ACCOUNT = "alerts@contoso.example"
OWNER = "ceo@contoso.example"
CLIENT = "11111111-2222-3333-4444-555555555555"


def contexts(api: str) -> tuple[ExplainContext, ExplainContext]:
    """For `api`: sending From OWNER (delegation) as ACCOUNT, and plainly as ACCOUNT."""
    common = {"api": api, "account": ACCOUNT, "client_id": CLIENT, "tenant": "contoso.example"}
    return ExplainContext(from_address=OWNER, **common), ExplainContext(**common)
