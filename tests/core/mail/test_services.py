"""The table of services: one row per way of sending, and what the rest asks of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.headers import split_head
from alloy_tui.core.mail.services import (
    SERVICES,
    not_set_up,
    open_delivery,
    sending_account,
    service_of,
)


@pytest.mark.parametrize(
    ("settings", "key", "delivery"),
    [
        (Settings(), "graph", "GraphDelivery"),
        (Settings().with_section("exchange_online", api="ews"), "ews", "EwsDelivery"),
        (Settings(service="smtp"), "smtp", "SmtpDelivery"),
        (Settings(service="exchange-server"), "exchange-server", "ExchangeServerDelivery"),
    ],
)
def test_each_service_has_its_row_and_its_delivery(
    settings: Settings, key: str, delivery: str, tmp_path: Path
) -> None:
    row = service_of(settings)
    assert row.key == key and SERVICES[key] is row
    if not row.signs_in:  # the M365 ones would build a sign-in: opened in the delivery tests
        opened = open_delivery(settings, tmp_path / "config.toml")
        assert type(opened).__name__ == delivery
        opened.close()
    assert row.delivery.endswith(":" + delivery)


def test_not_set_up_names_the_empty_setting() -> None:
    assert "client_id" in not_set_up(Settings())
    assert not_set_up(Settings(service="smtp")) == "smtp.host is empty"
    smtp = Settings(service="smtp").with_section("smtp", host="mail.example.com")
    assert not_set_up(smtp) == ""
    es = Settings(service="exchange-server")
    assert not_set_up(es) == "exchange_server.ews_endpoint is empty"
    app = Settings().with_section("exchange_online", client_id="c", tenant="t", auth="certificate")
    assert "exchange_online.mailbox" in not_set_up(app)


def test_sending_account_per_service() -> None:
    assert sending_account(Settings().with_section("exchange_online", account="a@b.c")) == "a@b.c"
    smtp = Settings(service="smtp").with_section("smtp", username="relay")
    assert sending_account(smtp) == ""  # not an address
    smtp = smtp.with_section("smtp", username="relay@example.com")
    assert sending_account(smtp) == "relay@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: a\r\n\r\nbody\r\n",
        b"Subject: a\n\nbody\n",
        b"Subject: a\n\r\nbody",
        b"Subject: no body\r\n",
        b"",
        b"\r\n\r\nbody",
    ],
)
def test_the_one_header_splitter_loses_no_byte(raw: bytes) -> None:
    head, blank, body = split_head(raw)
    assert head + blank + body == raw
    assert blank in (b"", b"\n", b"\r\n")
