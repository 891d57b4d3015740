"""With `--sandbox`, the wizard fills in what the sandbox already knows, as its throwaway config
does for Exchange Online (tenant, client id): the SMTP server's host, port, security and user,
and the Exchange Server's EWS URL, user and From address. Only empty fields are filled; the
password stays the admin's to type (the welcome step shows it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.ui.wizard.state import WizardState


def prefill(state: WizardState) -> None:
    """Fill the chosen service's empty settings from the sandbox (nothing outside one)."""
    if state.sandbox is None:
        return
    from alloy_tui.sandbox import guide

    sb = state.sandbox.sandbox
    draft = state.draft
    if draft.service == "smtp" and not draft.smtp.host:
        state.draft = draft.with_section(
            "smtp",
            host=sb.smtp_host,
            port=sb.smtp_port,
            security="starttls",
            username=draft.smtp.username or guide.SMTP_USER,
        )
    elif draft.service == "exchange-server" and not draft.exchange_server.ews_endpoint:
        state.draft = draft.with_section(
            "exchange_server",
            ews_endpoint=sb.ews_endpoint,
            username=draft.exchange_server.username or guide.EXCHANGE_SERVER_USER,
        )


def from_address(state: WizardState) -> str:
    """The From the Exchange Server account step starts with: the config's, else (sandbox)
    the sandbox user's mailbox. Not put in the draft until Next, so Exchange Online (which
    sends From the signed-in account) never inherits it."""
    if state.draft.message.default_from or state.sandbox is None:
        return state.draft.message.default_from
    from alloy_tui.sandbox import guide

    return guide.EXCHANGE_SERVER_FROM
