"""Exchange Server (on-premises) against the sandbox's EWS: the service account and its settings
(shared by the core's Exchange Server tests; not a test module)."""

from __future__ import annotations

from alloy_tui.core.config.settings import Settings
from alloy_tui.sandbox import Sandbox

USER = "CONTOSO\\svc-alerts"
UPN = "svc-alerts@contoso.example"
PASSWORD = "Sandbox-Passw0rd"


def exchange_server_settings(sandbox: Sandbox, **kw: object) -> Settings:
    """Exchange Server at the sandbox's EWS URL as USER with Basic, From UPN, trusting the
    sandbox's CA; `kw` changes the [exchange_server] keys (`ews_endpoint=""`: Autodiscover)."""
    es: dict[str, object] = {
        "ews_endpoint": sandbox.ews_endpoint,
        "username": USER,
        "auth": "basic",
    }
    es.update(kw)
    return (
        Settings(service="exchange-server")
        .with_section("exchange_server", **es)
        .with_section("network", ca_bundle=str(sandbox.ca_path), timeout=5.0)
        .with_section("message", default_from=UPN)
    )
