"""Any failure -> an `Explanation` (title, cause in plain words, the exact fix).

`dispatch` picks the source; one module per source: `entra` (AADSTS codes, table in
`entra_codes`), `graph`, `ews`, `network` (DNS, TLS, refused, timeouts), `smtp` (replies in
`smtp_replies`); `common` holds the context and redaction; `app_commands` the admin's commands
for app-only sign-in (az, Exchange RBAC), which the explanations, `app-cert create` and the wizard show. Outside this package, import from here.
"""

from __future__ import annotations

from alloy_tui.core.explain import app_commands
from alloy_tui.core.explain.app_only import (
    AppHints,
    explain_app_token,
    explain_no_roles,
    refine_send,
)
from alloy_tui.core.explain.common import ExplainContext, redact
from alloy_tui.core.explain.dispatch import (
    aad_code,
    ews_retirement_warning,
    explain,
    explain_aad,
    explain_ews,
    explain_graph,
    explain_msal_value_error,
    explain_network,
    explained_error,
    send_on_behalf_fix,
)
from alloy_tui.core.explain.smtp import (
    AuthNotOffered,
    SmtpExplainContext,
    StartTlsNotOffered,
    explain_smtp,
)

__all__ = [
    "AppHints",
    "app_commands",
    "AuthNotOffered",
    "ExplainContext",
    "SmtpExplainContext",
    "StartTlsNotOffered",
    "aad_code",
    "ews_retirement_warning",
    "explain",
    "explain_aad",
    "explain_app_token",
    "explain_ews",
    "explain_graph",
    "explain_msal_value_error",
    "explain_network",
    "explain_no_roles",
    "explain_smtp",
    "explained_error",
    "redact",
    "refine_send",
    "send_on_behalf_fix",
]
