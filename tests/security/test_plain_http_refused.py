"""Issue 9 item 5: no bearer token (or password) over plain http, loopback included.

`config validate` refuses an http:// URL for every endpoint that carries a token or password,
and a send built from such settings in code sends nothing: a plain TCP listener on 127.0.0.1
records every byte it is sent, and the sandbox records every request it gets.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.errors import AlloyError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import copy_cache, settings_for, sign_in
from tests.helpers.sandboxes import ticking_sb  # noqa: F401 - fixture `sb`

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def recording_listener() -> Iterator[tuple[int, list[bytes]]]:
    """A plain TCP server on 127.0.0.1 that keeps whatever a client sends it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.1)
    got: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.settimeout(0.5)
            with conn:
                with contextlib.suppress(OSError):
                    got.append(conn.recv(65536))

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1]), got
    finally:
        stop.set()
        t.join(2)
        srv.close()


KEYS = [
    ("exchange_online", "login_endpoint", "http://127.0.0.1:9/"),
    ("exchange_online", "graph_endpoint", "http://127.0.0.1:9"),
    ("exchange_online", "ews_endpoint", "http://localhost:9/EWS/Exchange.asmx"),
    ("exchange_server", "ews_endpoint", "http://[::1]:9/EWS/Exchange.asmx"),
]


@pytest.mark.parametrize(("section", "key", "url"), KEYS)
def test_config_validate_refuses_plain_http(
    tmp_path: Path, section: str, key: str, url: str
) -> None:
    cfg = tmp_path / "config.toml"
    write_config(cfg, f'[{section}]\n{key} = "{url}"\n')
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "config", "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{section}.{key}" in r.stderr and "https://" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_a_send_to_an_http_endpoint_sends_nothing(sb: Sandbox, tmp_path: Path, api: str) -> None:
    cfg = tmp_path / "config.toml"
    signed = settings_for(sb, tmp_path / "first", api=api)
    sign_in(sb, signed, cfg)
    copy_cache(signed, tmp_path)
    with recording_listener() as (port, got):
        key = "graph_endpoint" if api == "graph" else "ews_endpoint"
        url = f"http://127.0.0.1:{port}" + ("" if api == "graph" else "/EWS/Exchange.asmx")
        s = settings_for(sb, tmp_path, api=api).with_section("exchange_online", **{key: url})
        sb.clear_requests()
        message = OutgoingMessage(to=("ops@contoso.example",), subject="s", body="b")
        with pytest.raises(AlloyError) as ei:
            send_message(s, cfg, message)
        assert "https://" in str(ei.value) and key in str(ei.value)
    assert got == [] and sb.requests() == []


def test_sign_in_over_http_sends_nothing(sb: Sandbox, tmp_path: Path) -> None:
    with recording_listener() as (port, got):
        s = settings_for(sb, tmp_path).with_section(
            "exchange_online", login_endpoint=f"http://127.0.0.1:{port}"
        )
        with pytest.raises(AlloyError) as ei:
            SignIn(s, tmp_path / "config.toml").start_device_flow()
        assert "login_endpoint" in str(ei.value) and "https://" in str(ei.value)
    assert got == []


def test_status_says_why_for_an_http_endpoint(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    text = config_text(sb, tmp_path).replace(sb.graph_endpoint, "http://127.0.0.1:9")
    write_config(cfg, text)
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 2 and "graph_endpoint" in r.stderr and "https://" in r.stderr
