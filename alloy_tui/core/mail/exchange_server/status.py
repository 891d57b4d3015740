"""`alloy-tui status` for Exchange Server: TLS and the credentials checked with one harmless EWS
request (ResolveNames of the mailbox); with no EWS URL, Autodiscover looks for it first."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import AlloyError, ExplainedError, UserInputError
from alloy_tui.core.mail.ews.items import close_account
from alloy_tui.core.mail.exchange_server.client import (
    PINNED_VERSION,
    ExchangeServerClient,
    check_exchange_settings,
    mailbox_address,
)

if TYPE_CHECKING:  # exchangelib has no type information: these names are for the reader
    from exchangelib import Account


def status(settings: Settings, config_path: Path) -> tuple[bool, list[str]]:
    """Check TLS and the credentials with one harmless EWS request (ResolveNames of the mailbox).

    With no EWS URL (or only a server's), Autodiscover looks for it first; what it finds is
    checked but not saved, so the answer is still "not ready" until it is in the config.
    """
    from alloy_tui.core.mail.exchange_server.discover import discover_ews_url, needs_discovery

    s = settings.exchange_server
    discover = needs_discovery(s.ews_endpoint)
    lines = [
        f"EWS URL: {s.ews_endpoint or '(none)'}"
        + (" (looking for it by Autodiscover)" if discover else ""),
        f"Account: {s.username or '(none)'}, {s.auth.upper()} authentication, EWS {PINNED_VERSION}",
    ]
    transport = ExchangeServerClient(settings, config_path)
    started = time.monotonic()
    password = ""
    found = ""
    ex_account: Account | None = None
    try:
        check_exchange_settings(settings, check_url=not discover)
        from alloy_tui.core import secrets

        lines.append(f"Password: {secrets.password_source(settings, 'exchange-server').describe()}")
        password = transport._get_password()
        primary = mailbox_address(settings)
        if not primary:
            raise UserInputError(
                "With a DOMAIN\\user username, set message.default_from to this account's e-mail address."
            )
        if discover:
            result = discover_ews_url(
                settings, config_path, primary, server=s.ews_endpoint, password=password
            )
            found = result.ews_url
            lines.append(f"Autodiscover found: {found} (asked {result.source})")
            settings = settings.with_section("exchange_server", ews_endpoint=found)
            transport = ExchangeServerClient(settings, config_path)
        ex_account = transport._account(password, primary)
        from exchangelib.errors import ResponseMessageError

        try:
            resolved = ex_account.protocol.resolve_names([primary])
            lines.append(
                f"Signed in; mailbox {primary} {'found' if resolved else 'not found by ResolveNames'}"
            )
        except ResponseMessageError as e:
            # A SOAP-level answer means TLS and the credentials were accepted.
            lines.append(
                f"Signed in: the credentials were accepted (the mailbox lookup answered "
                f"{type(e).__name__})"
            )
    except ExplainedError as e:
        ex = e.explanation
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    except AlloyError as e:
        lines.append(f"FAILED: {str(e).replace(password, '***') if password else e}")
        return False, lines
    except Exception as e:
        ex = transport.explain(e, s.username, "", password)
        lines += [f"FAILED: {ex.title}", f"  Why: {ex.cause}", f"  Fix: {ex.fix}"]
        return False, lines
    finally:
        close_account(ex_account)
    if found:
        lines.append(
            f'Not saved: set ews_endpoint = "{found}" in [exchange_server] of the config '
            "(or run the setup wizard); nothing can be sent until then."
        )
        return False, lines
    lines.append(f"OK ({int((time.monotonic() - started) * 1000)} ms)")
    return True, lines
