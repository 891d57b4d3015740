"""A Graph or EWS server that accepts the connection and never answers: the send gives up after
[network] timeout with a timeout explanation (and one alert-log entry), never hangs."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.sending import send_test_message
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import log_entries, token_cached_at
from tests.helpers.sandboxes import ticking_sb  # noqa: F401 - fixture `sb`


@pytest.fixture
def mute() -> Iterator[str]:
    with socket.socket() as srv:  # accepts connections, never answers (not even TLS)
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        yield f"https://127.0.0.1:{srv.getsockname()[1]}"


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_a_server_that_never_answers_times_out(
    sb: Sandbox, tmp_path: Path, mute: str, api: str
) -> None:
    s, cfg = token_cached_at(sb, tmp_path, api, mute)
    s = s.with_section("network", timeout=1.0)
    t0 = time.monotonic()
    with pytest.raises(ExplainedError) as ei:
        send_test_message(s, cfg, "bob@example.com")
    assert time.monotonic() - t0 < 8
    ex = ei.value.explanation
    assert "time" in (ex.title + ex.cause).lower() and "127.0.0.1" in ex.cause + ex.fix, ex
    entry = log_entries(s)[-1]
    assert entry["event"] == "test_message.failed" and entry["level"] == "error"
