"""The SMTP and Exchange Server steps as SVG snapshots at 80x24 (NO_COLOR, as the conftest sets).

Deterministic: a fixed path that is never created, no network. Update only after looking at the
SVGs: `pytest tests/ui/wizard/test_smtp_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.ui.widgets.choice import ChoiceList
from alloy_tui.ui.wizard.exchange_server_step import ExchangeAccountScreen, ExchangeServerScreen
from alloy_tui.ui.wizard.smtp_step import SmtpServerScreen, SmtpSignInScreen
from alloy_tui.ui.wizard.state import WizardState
from tests.helpers.wizard import OneStep

FAILING = "echo 'vault is locked' >&2; exit 3"
NEW_PATH = Path("/nonexistent/alloy-tui/config.toml")  # never created


class StepApp(OneStep):
    """One step on its own on a new config, `service` chosen and an SMTP host typed, with an
    action once it is shown."""

    def __init__(
        self,
        service: str,
        key: str,
        make: Callable[[WizardState], Any],
        after: Callable[[Any], None] = lambda screen: None,
    ) -> None:
        def prepare(state: WizardState) -> None:
            draft = state.draft.with_section("smtp", host="smtp.contoso.com")
            state.draft = dataclasses.replace(draft, service=service)

        super().__init__(NEW_PATH, key, make, prepare, after)


def set_values(screen: Any, values: dict[str, str]) -> None:
    for key, value in values.items():
        screen.query_one(f"#{key}", Input).value = value


def server_errors(screen: SmtpServerScreen) -> None:
    set_values(screen, {"host": "mail server", "port": "70000"})
    screen.collect()


def signin_typed(screen: SmtpSignInScreen) -> None:
    set_values(screen, {"username": "alerts@contoso.com", "pw-value": "hunter2-secret"})


def signin_command_failed(screen: SmtpSignInScreen) -> None:
    set_values(screen, {"username": "alerts@contoso.com"})
    screen.query_one("#pw-source", ChoiceList).value = "command"
    screen.call_after_refresh(set_values, screen, {"pw-value": FAILING})


def command_failure(screen: SmtpSignInScreen) -> None:
    """What a real failing command gives (run for real, deterministic output)."""
    try:
        secrets.run_password_command(FAILING)
    except ExplainedError as e:
        screen._command_failed(e.explanation)


def exchange_url(screen: ExchangeServerScreen) -> None:
    set_values(screen, {"ews_url": "https://mail.contoso.com/EWS/Exchange.asmx"})


def exchange_account_missing_from(screen: ExchangeAccountScreen) -> None:
    set_values(screen, {"username": "CONTOSO\\svc-alerts", "pw-value": "hunter2-secret"})
    screen.collect()


def exchange_url_empty(screen: ExchangeServerScreen) -> None:
    set_values(screen, {"ews_url": ""})


def autodiscover_failed(screen: ExchangeAccountScreen) -> None:
    """Autodiscover found nothing (`autodiscover_failure` shows what the real code says)."""
    set_values(screen, {"username": "svc-alerts@contoso.com", "pw-value": "hunter2-secret"})


def autodiscover_failure(screen: ExchangeAccountScreen) -> None:
    from alloy_tui.core.errors import Explanation
    from alloy_tui.core.mail.exchange_server.discover import HOW_TO_FIND

    screen._command_failed(
        Explanation(
            title="Autodiscover did not find the EWS URL",
            cause=(
                "Asked for svc-alerts@contoso.com: "
                "https://contoso.com/autodiscover/autodiscover.xml: no such host."
            ),
            fix=HOW_TO_FIND,
            code="autodiscover.not_found",
        )
    )


CASES: dict[str, Callable[[], StepApp]] = {
    "smtp_server_errors": lambda: StepApp("smtp", "smtp-server", SmtpServerScreen, server_errors),
    "smtp_signin_typed": lambda: StepApp("smtp", "smtp-signin", SmtpSignInScreen, signin_typed),
    "smtp_signin_command_failed": lambda: StepApp(
        "smtp", "smtp-signin", SmtpSignInScreen, signin_command_failed
    ),
    "exchange_server": lambda: StepApp(
        "exchange-server", "exchange-server", ExchangeServerScreen, exchange_url
    ),
    "exchange_account_missing_from": lambda: StepApp(
        "exchange-server",
        "exchange-server-account",
        ExchangeAccountScreen,
        exchange_account_missing_from,
    ),
    "exchange_server_empty_url": lambda: StepApp(
        "exchange-server", "exchange-server", ExchangeServerScreen, exchange_url_empty
    ),
    "exchange_account_autodiscover_failed": lambda: StepApp(
        "exchange-server", "exchange-server-account", ExchangeAccountScreen, autodiscover_failed
    ),
}


async def settle(pilot: Any) -> None:
    await pilot.pause()
    pilot.app.after(pilot.app.screen)
    await pilot.pause()
    later = {signin_command_failed: command_failure, autodiscover_failed: autodiscover_failure}
    if pilot.app.after in later:
        await pilot.pause()
        later[pilot.app.after](pilot.app.screen)
        await pilot.pause()
    await pilot.pause(0.1)


@pytest.mark.parametrize("case", list(CASES))
def test_step_snapshot_80x24(snap_compare: Any, case: str) -> None:
    assert snap_compare(CASES[case](), terminal_size=(80, 24), run_before=settle)
