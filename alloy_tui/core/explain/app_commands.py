"""The admin's commands for app-only sign-in: register the certificate on the app (Azure CLI),
then limit the app to the one mailbox in Exchange Online (RBAC for Applications).

Shown by `alloy-tui app-cert create`, the wizard (copied with ^Y) and the explanations.
"""

from __future__ import annotations

from pathlib import Path

CLIENT_PLACEHOLDER = "<client id>"
MAILBOX_PLACEHOLDER = "<mailbox>"
APPLY_DELAY = "30 minutes to 2 hours"

UNSCOPED_WARNING = (
    "Do not grant the app the Entra ID application permission Mail.Send (API permissions > "
    "Application permissions): it is unscoped and lets the app send as every mailbox in the "
    "organisation. Grant the Exchange role of the scoping commands instead, limited to the one mailbox."
)


def role_for(api: str) -> str:
    """The Exchange Online application role the app needs for this API."""
    return "Application EWS.AccessAsApp" if api == "ews" else "Application Mail.Send"


def scope_name(mailbox: str) -> str:
    return f"alloy-tui {mailbox or MAILBOX_PLACEHOLDER}"


def registration_commands(client_id: str, public_pem: Path) -> list[str]:
    """Azure CLI: add the certificate to the app registration (keeping its other credentials)."""
    app = client_id or CLIENT_PLACEHOLDER
    return [f"az ad app credential reset --id {app} --cert @{public_pem} --append"]


def scoping_commands(
    client_id: str, mailbox: str, api: str = "graph", *, large_messages: bool = False
) -> list[str]:
    """Exchange Online PowerShell: service principal, a management scope for the one mailbox,
    the role assignment limited to it, and the check."""
    app = client_id or CLIENT_PLACEHOLDER
    box = mailbox or MAILBOX_PLACEHOLDER
    scope = scope_name(mailbox)
    roles = [role_for(api)]
    if large_messages and api == "graph":  # Graph drafts for messages over the request limit
        roles.append("Application Mail.ReadWrite")
    lines = [
        f"$sp = az ad sp show --id {app} --query id -o tsv   # or: az ad sp create --id {app}",
        "Connect-ExchangeOnline",
        f'New-ServicePrincipal -AppId {app} -ObjectId $sp -DisplayName "alloy-tui"',
        f'New-ManagementScope -Name "{scope}" '
        f"-RecipientRestrictionFilter \"PrimarySmtpAddress -eq '{box}'\"",
    ]
    lines += [
        f'New-ManagementRoleAssignment -App {app} -Role "{role}" -CustomResourceScope "{scope}"'
        for role in roles
    ]
    lines.append(f"Test-ServicePrincipalAuthorization -Identity {app} -Resource {box}")
    return lines


def setup_text(
    client_id: str,
    mailbox: str,
    public_pem: Path,
    api: str = "graph",
    *,
    large_messages: bool = False,
) -> list[str]:
    """Every step as printed lines: register, scope, wait, warning."""
    out = ["1. Register the certificate on the app registration (Azure CLI, `az login` first):"]
    out += [f"   {c}" for c in registration_commands(client_id, public_pem)]
    out.append(
        "2. Limit the app to the one mailbox (Exchange Online PowerShell, RBAC for Applications):"
    )
    scoping = scoping_commands(client_id, mailbox, api, large_messages=large_messages)
    out += [f"   {c}" for c in scoping]
    out.append(
        f"   These take {APPLY_DELAY} to apply; Test-ServicePrincipalAuthorization shows "
        "InScope = True once they have."
    )
    out.append(f"Warning: {UNSCOPED_WARNING}")
    return out
