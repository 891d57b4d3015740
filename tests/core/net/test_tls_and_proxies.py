"""One SSL context (system store + ca_bundle), never overridden by REQUESTS_CA_BUNDLE; no request
ever reaches a server whose certificate does not verify."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import pytest

from alloy_tui.core import net
from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import UserInputError
from alloy_tui.sandbox import Sandbox
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`


def with_bundle(path: str) -> Settings:
    return Settings().with_section("network", ca_bundle=path, timeout=5.0)


def test_missing_bundle_is_a_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(
        UserInputError, match=r"network\.ca_bundle: the CA bundle .*nope\.pem does not exist"
    ):
        net.ssl_context(with_bundle(str(tmp_path / "nope.pem")))


def test_bundle_that_is_not_pem(tmp_path: Path) -> None:
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a" + b"\x00" * 64)
    with pytest.raises(UserInputError, match="is not a PEM certificate file"):
        net.ssl_context(with_bundle(str(der)))
    broken = tmp_path / "broken.pem"
    broken.write_text(
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(UserInputError, match="no usable CA certificate"):
        net.ssl_context(with_bundle(str(broken)))


def test_relative_bundle_is_next_to_the_config(tmp_path: Path, sb: Sandbox) -> None:
    (tmp_path / "ca.pem").write_bytes(sb.ca_path.read_bytes())
    ctx = net.ssl_context(with_bundle("ca.pem"), tmp_path / "config.toml")
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_httpx_trusts_bundle_even_with_env_ca_vars(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment points requests/curl at the system bundle (which lacks the sandbox CA).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    with net.http_client(with_bundle(str(sb.ca_path))) as c:
        r = c.get(f"{sb.authority}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200 and "token_endpoint" in r.json()


def test_unverified_server_gets_no_request(sb: Sandbox) -> None:
    import httpx

    sb.clear_requests()
    with (
        net.http_client(Settings()) as c,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        c.post(
            f"{sb.graph_endpoint}/v1.0/me/sendMail", json={}, headers={"Authorization": "Bearer x"}
        )
    assert sb.requests() == []


def test_requests_adapter_uses_our_context_for_registered_host_only(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    settings = with_bundle(str(sb.ca_path))
    cls = net.register_requests_host(sb.ews_endpoint, settings)
    from exchangelib.protocol import BaseProtocol

    assert BaseProtocol.HTTP_ADAPTER_CLS is cls
    session = requests.Session()  # trust_env: the env CA bundle is merged into verify...
    session.mount("https://", cls())
    r = session.get(f"{sb.base_url}/devicelogin")  # ...but our context decides for this host
    assert r.status_code == 200
    assert net.last_request_id() == r.headers.get("request-id", "")
    # A host:port we did not register keeps requests' own (env) trust, so it fails to verify.
    with Sandbox() as other:
        other_session = requests.Session()
        other_session.mount("https://", cls())
        with pytest.raises(requests.exceptions.SSLError):
            other_session.get(f"{other.base_url}/devicelogin")
        assert other.requests() == []


class ConnectProxy:
    """A tiny real HTTP CONNECT proxy on 127.0.0.1 that records the tunnels it opened."""

    def __init__(self) -> None:
        import threading

        self.tunnels: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import threading

        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, c: socket.socket) -> None:
        import select

        head = b""
        while b"\r\n\r\n" not in head:
            chunk = c.recv(4096)
            if not chunk:
                c.close()
                return
            head += chunk
        target = head.split(b" ")[1].decode()
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        pair = [c, upstream]
        try:
            while True:
                ready, _, _ = select.select(pair, [], [], 5)
                if not ready:
                    break
                for r in ready:
                    data = r.recv(65536)
                    if not data:
                        return
                    (upstream if r is c else c).sendall(data)
        finally:
            c.close()
            upstream.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def test_https_proxy_is_honoured_by_httpx_and_requests(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    proxy = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        settings = with_bundle(str(sb.ca_path))
        with net.http_client(settings) as c:
            assert c.get(f"{sb.base_url}/devicelogin").status_code == 200
        cls = net.register_requests_host(sb.ews_endpoint, settings)
        session = requests.Session()
        session.mount("https://", cls())
        assert session.get(f"{sb.base_url}/devicelogin").status_code == 200
        assert proxy.tunnels == [f"127.0.0.1:{sb.port}"] * 2
    finally:
        proxy.close()
