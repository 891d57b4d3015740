"""What a first-time admin needs to walk every path against a sandbox, in words: shown by the
wizard's welcome step with `--sandbox` and printed by `alloy-tui sandbox serve`."""

from __future__ import annotations

from typing import Any

#: The sandbox's SMTP user (an address: it is the From too).
SMTP_USER = "svc-alerts@contoso.example"
#: The sandbox's on-premises Exchange user, and the address of its mailbox (the From to use).
EXCHANGE_SERVER_USER = "CONTOSO\\svc-alerts"
EXCHANGE_SERVER_FROM = "svc-alerts@contoso.example"


def _password(sandbox: Any, user: str) -> str:
    return str(sandbox.ews_basic_users.get(user, ""))


def guide_lines(sandbox: Any, messages_command: str = "") -> list[str]:
    """The sandbox's answers, one fact a line (continuations indented by four)."""
    state = sandbox.state
    with state.lock:
        grants = sorted(state.grants)
        mailboxes = sorted(state.mailboxes)
    account = sandbox.auto_approve_account
    after = sandbox.auto_approve_after
    approve = (
        f"approved by itself after {after:g} s"
        if after is not None
        else f"approve it on {sandbox.verification_url}"
    )
    granting = sorted({owner for owner, delegate in grants if delegate == account.lower()})
    refusing = [m for m in mailboxes if m not in granting and m != account.lower()]
    onprem, upn = EXCHANGE_SERVER_USER, SMTP_USER
    lines = [
        "Exchange Online (Graph or EWS):",
        f"    tenant    {sandbox.tenant}",
        f"    client id {sandbox.client_id}",
        f"    sign in as {account}: {approve}",
        "Send On Behalf (the 'From' delegation step):",
        f"    granted to {account} by: {', '.join(granting) or '(none)'}",
        f"    not granted by: {', '.join(refusing) or '(none)'}",
        f"SMTP server: {sandbox.smtp_host} port {sandbox.smtp_port}, STARTTLS",
        f"    user {upn}, password {_password(sandbox, upn)}",
        "Exchange Server (NTLM or Basic):",
        f"    EWS URL {sandbox.ews_endpoint}",
        f"    user {onprem}, password {_password(sandbox, onprem)}",
        f"    From {EXCHANGE_SERVER_FROM} (that user's own mailbox; any other From is refused)",
        "Test messages may go to any address.",
    ]
    if messages_command:
        lines += ["What was delivered, from another terminal:", f"    {messages_command}"]
    return lines


def messages_command(sandbox: Any) -> str:
    return f"alloy-tui sandbox messages --dir {sandbox.workdir}"
