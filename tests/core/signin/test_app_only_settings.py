"""Settings for app-only sign-in: exchange_online.auth, certificate, mailbox."""

from __future__ import annotations

import pytest

from alloy_tui.core.config import Settings, from_mapping, to_mapping


def test_device_code_stays_the_default() -> None:
    s = Settings()
    assert s.exchange_online.auth == "device-code"
    assert s.exchange_online.certificate == ""
    assert s.exchange_online.mailbox == ""


def test_certificate_mode_loads() -> None:
    data = {
        "exchange_online": {
            "auth": "certificate",
            "certificate": "/etc/alloy-tui/app.pem",
            "mailbox": "alerts@contoso.com",
        }
    }
    settings, problems = from_mapping(data)
    assert problems == []
    assert settings.exchange_online.auth == "certificate"
    assert to_mapping(settings)["exchange_online"]["mailbox"] == "alerts@contoso.com"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            {"auth": "client-secret"},
            'exchange_online.auth must be "device-code" or "certificate", got "client-secret"',
        ),
        (
            {"mailbox": "Alerts <alerts@contoso.com>"},
            "exchange_online.mailbox must be the e-mail address of the mailbox the app sends as",
        ),
        (
            {"mailbox": "alerts"},
            "exchange_online.mailbox must be the e-mail address of the mailbox the app sends as",
        ),
        ({"certificate": 5}, "exchange_online.certificate must be text"),
    ],
)
def test_bad_values_are_explained(data: dict[str, object], problem: str) -> None:
    _, problems = from_mapping({"exchange_online": data})
    assert len(problems) == 1
    assert str(problems[0]).startswith(problem)


def test_no_client_secret_key() -> None:
    assert "client_secret" not in to_mapping(Settings())["exchange_online"]
