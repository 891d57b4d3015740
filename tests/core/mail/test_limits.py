"""The limit per service, in one place: sendmail (65) and the listener (552) say its sentence."""

from __future__ import annotations

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.mail.limits import (
    GRAPH_MAX_RAW_BYTES,
    MAX_MESSAGE_BYTES,
    message_limit,
    over_limit,
)
from alloy_tui.core.mail.mime import MessageRefused, check_size


def graph(large: bool) -> Settings:
    return Settings().with_section("exchange_online", api="graph", large_messages=large)


@pytest.mark.parametrize(
    ("settings", "limit"),
    [
        (graph(False), GRAPH_MAX_RAW_BYTES),
        (graph(True), MAX_MESSAGE_BYTES),
        (Settings().with_section("exchange_online", api="ews"), MAX_MESSAGE_BYTES),
        (Settings(service="smtp"), MAX_MESSAGE_BYTES),
        (None, MAX_MESSAGE_BYTES),
    ],
)
def test_the_limit_per_service(settings: Settings | None, limit: int) -> None:
    assert message_limit(settings)[0] == limit
    assert over_limit(limit, settings) == ""
    said = over_limit(limit + 1, settings)
    assert str(limit + 1) in said and str(limit) in said


def test_graph_without_large_messages_names_the_setting() -> None:
    said = over_limit(GRAPH_MAX_RAW_BYTES + 1, graph(False))
    assert "large_messages = true" in said and "3.0 MB" in said
    with pytest.raises(MessageRefused) as e:
        check_size(GRAPH_MAX_RAW_BYTES + 1, graph(False))
    assert e.value.exit_code == 65
    check_size(GRAPH_MAX_RAW_BYTES + 1, graph(True))
