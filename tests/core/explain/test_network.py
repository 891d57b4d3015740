"""Network failures, produced for real against local sockets, explained in words."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import requests

from alloy_tui.core.explain.dispatch import ExplainContext, explain
from alloy_tui.core.explain.network import explain_network, is_network_error
from tests.helpers.fault_servers import closed_port, proxy_server, silent_server, tls_server

CTX = ExplainContext(api="graph", account="alice@contoso.example")


def _httpx_error(url: str, **kw: object) -> BaseException:
    kw.setdefault("timeout", 2.0)
    with httpx.Client(trust_env=False, **kw) as client:  # type: ignore[arg-type]
        with pytest.raises(httpx.HTTPError) as info:
            client.get(url)
    return info.value


def _requests_error(url: str, **kw: object) -> BaseException:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.RequestException) as info:
        session.get(url, timeout=kw.pop("timeout", 2.0), **kw)  # type: ignore[arg-type]
    return info.value


def test_refused_httpx() -> None:
    port = closed_port()
    exc = _httpx_error(f"https://127.0.0.1:{port}/v1.0/me/sendMail")
    assert isinstance(exc, httpx.ConnectError)
    ex = explain(exc, CTX)
    assert ex.code == "refused"
    assert ex.title == "Connection refused"
    assert "127.0.0.1" in ex.cause
    assert f"`curl -v https://127.0.0.1:{port}/`" in ex.fix  # the port that was refused
    assert ex.retryable


def test_refused_requests() -> None:
    port = closed_port()
    exc = _requests_error(f"https://127.0.0.1:{port}/EWS/Exchange.asmx")
    ex = explain(exc, CTX)
    assert ex.code == "refused"
    assert "127.0.0.1" in ex.cause
    assert f"`curl -v https://127.0.0.1:{port}/`" in ex.fix  # the port that was refused


@pytest.mark.parametrize("fail", [_httpx_error, _requests_error], ids=["httpx", "requests"])
def test_dns_failure(fail: Callable[[str], BaseException]) -> None:
    ex = explain(fail("https://alloy-tui-no-such-host.invalid/"), CTX)
    assert ex.code == "dns"
    assert "alloy-tui-no-such-host.invalid" in ex.cause
    assert "getent hosts alloy-tui-no-such-host.invalid" in ex.fix


def test_dns_failure_socket() -> None:
    with pytest.raises(socket.gaierror) as info:
        socket.getaddrinfo("alloy-tui-no-such-host.invalid", 443)
    ex = explain(info.value, ExplainContext(host="alloy-tui-no-such-host.invalid"))
    assert ex.code == "dns"
    assert "alloy-tui-no-such-host.invalid" in ex.cause


def test_untrusted_certificate_httpx(tmp_path: Path) -> None:
    with tls_server(tmp_path) as srv:
        exc = _httpx_error(f"https://localhost:{srv.port}/", verify=ssl.create_default_context())
    ex = explain(exc, CTX)
    assert ex.code == "tls.untrusted"
    assert "[network] ca_bundle" in ex.fix
    assert "TLS inspection" in ex.cause
    assert not ex.retryable


def test_untrusted_certificate_requests(tmp_path: Path) -> None:
    # REQUESTS_CA_BUNDLE points at the system store, which does not hold the test CA.
    with tls_server(tmp_path) as srv:
        exc = _requests_error(f"https://localhost:{srv.port}/")
    assert isinstance(exc, requests.exceptions.SSLError)
    ex = explain(exc, CTX)
    assert ex.code == "tls.untrusted"
    assert "ca_bundle" in ex.fix


def test_untrusted_certificate_raw_ssl(tmp_path: Path) -> None:
    with tls_server(tmp_path) as srv:
        ctx = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as raw:
            with pytest.raises(ssl.SSLCertVerificationError) as info:
                ctx.wrap_socket(raw, server_hostname="localhost")
    ex = explain_network(info.value, ExplainContext(host="localhost"))
    assert ex.code == "tls.untrusted"
    assert ex.details["verify_message"]


def test_hostname_mismatch(tmp_path: Path) -> None:
    with tls_server(tmp_path, "mail.contoso.example") as srv:
        exc = _httpx_error(f"https://127.0.0.1:{srv.port}/", verify=srv.trusting_context())
    ex = explain(exc, CTX)
    assert ex.code == "tls.hostname"
    assert "127.0.0.1" in ex.cause
    assert "openssl s_client" in ex.fix


def test_expired_certificate(tmp_path: Path) -> None:
    with tls_server(tmp_path, expired=True) as srv:
        exc = _httpx_error(f"https://localhost:{srv.port}/", verify=srv.trusting_context())
    ex = explain(exc, CTX)
    assert ex.code == "tls.expired"
    assert "clock" in ex.fix


def test_read_timeout_httpx() -> None:
    with silent_server() as port:
        exc = _httpx_error(f"http://127.0.0.1:{port}/", timeout=0.3)
    assert isinstance(exc, httpx.ReadTimeout)
    ex = explain(exc, CTX)
    assert ex.code == "timeout"
    assert ex.retryable
    assert "did not answer in time" in ex.cause
    assert "[network] timeout" in ex.fix
    assert f"on port {port}" in ex.fix and f"127.0.0.1:{port}/`" in ex.fix


def test_read_timeout_requests() -> None:
    with silent_server() as port:
        exc = _requests_error(f"http://127.0.0.1:{port}/", timeout=0.3)
    ex = explain(exc, CTX)
    assert ex.code == "timeout"


def test_socket_timeout() -> None:
    with silent_server() as port:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            with pytest.raises(TimeoutError) as info:
                s.recv(10)
    ex = explain(
        info.value, ExplainContext(host="smtp.contoso.example", service="smtp", api="smtp")
    )
    assert ex.code == "timeout"
    assert "smtp.contoso.example" in ex.cause
    assert "[smtp] port" in ex.fix


def test_proxy_needs_authentication() -> None:
    with proxy_server() as port:
        exc = _httpx_error(
            "https://graph.microsoft.com/v1.0/me/sendMail", proxy=f"http://127.0.0.1:{port}"
        )
    assert isinstance(exc, httpx.ProxyError)
    ex = explain(exc, CTX)
    assert ex.code == "proxy"
    assert "HTTPS_PROXY" in ex.fix
    assert "credentials" in ex.fix


def test_proxy_refuses_tunnel() -> None:
    with proxy_server("403 Forbidden") as port:
        exc = _httpx_error("https://graph.microsoft.com/", proxy=f"http://127.0.0.1:{port}")
    ex = explain(exc, CTX)
    assert ex.code == "proxy"
    assert ex.title == "Proxy refused the connection"


def test_wrong_protocol_tls_to_plain_port() -> None:
    # A plain-HTTP listener spoken to with TLS: 'wrong version number' style failure.
    with proxy_server() as port:
        exc = _httpx_error(f"https://127.0.0.1:{port}/", verify=ssl.create_default_context())
    ex = explain(exc, CTX)
    assert ex.code == "tls"
    assert "does not speak TLS" in ex.title


def test_connection_reset() -> None:
    exc = ConnectionResetError(104, "Connection reset by peer")
    ex = explain(exc, ExplainContext(host="mail.contoso.example"))
    assert ex.code == "reset"
    assert "mail.contoso.example" in ex.cause


def test_is_network_error() -> None:
    assert is_network_error(ConnectionRefusedError(111, "refused"))
    assert not is_network_error(KeyError("x"))


def test_no_token_in_network_text(tmp_path: Path) -> None:
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlMTIz"
    with pytest.raises(httpx.HTTPError) as info:
        with httpx.Client(trust_env=False, timeout=2) as client:
            client.get(
                f"https://127.0.0.1:{closed_port()}/", headers={"Authorization": f"Bearer {token}"}
            )
    wrapped = RuntimeError(f"send failed: Authorization: Bearer {token}")
    wrapped.__cause__ = info.value
    ex = explain_network(wrapped, CTX)
    text = f"{ex.title} {ex.cause} {ex.fix} {ex.details}"
    assert token not in text
    assert "eyJ0eXAi" not in text
