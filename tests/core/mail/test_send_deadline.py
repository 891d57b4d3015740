"""One overall deadline per request: a server that trickles a byte every 0.3 s answers every read
in time but never finishes its answer. `[network] timeout` bounds the whole request (connect,
TLS, send, read) for httpx (Graph and msal), requests (exchangelib) and smtplib, so the send
ends with a timeout explanation soon after the timeout instead of when the server gives up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.sending import send_test_message
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox
from tests.helpers.fault_servers import Trickle, trickle_server
from tests.helpers.m365 import log_entries, settings_for, token_cached_at
from tests.helpers.sandboxes import ticking_sb  # noqa: F401 - fixture `sb`

TIMEOUT = 1.0
BOUND = 3 * TIMEOUT + 4  # generous: connect, TLS and the answer each may take a little; the
# trickle goes on for 40 s, so without a deadline the send takes about that long
HTTP_DRIP = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 4000


@pytest.fixture
def https_trickle(tmp_path: Path) -> Iterator[Trickle]:
    with trickle_server(tmp_path, tls=True, drip=HTTP_DRIP, every=0.3) as server:
        yield server


def trusting_both(sb: Sandbox, server: Trickle, tmp_path: Path) -> str:
    assert server.ca_path is not None
    bundle = tmp_path / "both-ca.pem"
    bundle.write_bytes(sb.ca_path.read_bytes() + server.ca_path.read_bytes())
    return str(bundle)


def assert_timed_out(ei: pytest.ExceptionInfo[ExplainedError], started: float) -> None:
    took = time.monotonic() - started
    assert took < BOUND, f"took {took:.1f} s with timeout = {TIMEOUT:g}"
    ex = ei.value.explanation
    assert ex.code == "timeout", ex


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_a_trickling_server_cannot_hold_a_send(
    sb: Sandbox, tmp_path: Path, https_trickle: Trickle, api: str
) -> None:
    s, cfg = token_cached_at(sb, tmp_path, api, f"https://127.0.0.1:{https_trickle.port}")
    s = s.with_section(
        "network", timeout=TIMEOUT, ca_bundle=trusting_both(sb, https_trickle, tmp_path)
    )
    t0 = time.monotonic()
    with pytest.raises(ExplainedError) as ei:
        send_test_message(s, cfg, "bob@example.com")
    assert_timed_out(ei, t0)
    assert https_trickle.connected.is_set()
    assert log_entries(s)[-1]["event"] == "test_message.failed"


def test_a_trickling_sign_in_server_cannot_hold_msal(
    sb: Sandbox, tmp_path: Path, https_trickle: Trickle
) -> None:
    s = settings_for(sb, tmp_path)
    s = s.with_section("exchange_online", login_endpoint=f"https://127.0.0.1:{https_trickle.port}")
    s = s.with_section(
        "network", timeout=TIMEOUT, ca_bundle=trusting_both(sb, https_trickle, tmp_path)
    )
    t0 = time.monotonic()
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    assert_timed_out(ei, t0)


@pytest.mark.parametrize(
    ("greeting", "drip"),
    [(b"", b"220-trickle.test slowly\r\n"), (b"220 trickle.test ESMTP\r\n", b"250-SIZE 1\r\n")],
    ids=["greeting", "ehlo"],
)
def test_a_trickling_smtp_server_cannot_hold_a_send(
    tmp_path: Path, greeting: bytes, drip: bytes
) -> None:
    with trickle_server(greeting=greeting, drip=drip, every=0.3) as server:
        s = Settings(service="smtp").with_section(
            "smtp", host="127.0.0.1", port=server.port, security="none"
        )
        s = s.with_section("network", timeout=TIMEOUT)
        s = s.with_section("message", default_from="noc@contoso.test")
        s = s.with_section("alert_log", path=str(tmp_path / "alert_log.jsonl"))
        t0 = time.monotonic()
        with pytest.raises(ExplainedError) as ei:
            send_test_message(s, tmp_path / "config.toml", "ops@contoso.test")
    assert_timed_out(ei, t0)


def test_a_trickling_exchange_server_cannot_hold_a_send(
    tmp_path: Path, https_trickle: Trickle
) -> None:
    from alloy_tui.core.mail.message import OutgoingMessage
    from alloy_tui.core.mail.sending import send_message
    from alloy_tui.core.secrets import passwords as secrets

    s = Settings(service="exchange-server").with_section(
        "exchange_server",
        ews_endpoint=f"https://127.0.0.1:{https_trickle.port}/EWS/Exchange.asmx",
        username="alerts@contoso.test",
        auth="basic",
    )
    s = s.with_section("network", timeout=TIMEOUT, ca_bundle=str(https_trickle.ca_path))
    s = s.with_section("alert_log", path=str(tmp_path / "alert_log.jsonl"))
    cfg = tmp_path / "config.toml"
    secrets.store_password("exchange-server", "alerts@contoso.test", "pw")
    message = OutgoingMessage(to=("ops@contoso.test",), subject="RAID", body="Disk 3 failed.")
    t0 = time.monotonic()
    with pytest.raises(ExplainedError) as ei:
        send_message(s, cfg, message)
    assert_timed_out(ei, t0)
