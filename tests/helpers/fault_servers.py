"""Tiny local servers that fail in real ways, for the explain tests (no mocking of libraries)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (read timeouts)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = int(srv.getsockname()[1])
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield port
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


@dataclass
class TlsServer:
    port: int
    ca: trustme.CA
    ca_path: Path

    def trusting_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self.ca.configure_trust(ctx)
        return ctx


Responder = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


def _ok(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/plain"}, b"ok"


@contextlib.contextmanager
def tls_server(
    tmp: Path,
    *identities: str,
    respond: Responder = _ok,
    expired: bool = False,
    tls: bool = True,
) -> Iterator[TlsServer]:
    """HTTPS on 127.0.0.1 with a throwaway CA that nothing trusts unless asked (tls=False: plain HTTP)."""
    ca = trustme.CA()
    kwargs = {}
    if expired:
        now = dt.datetime.now(dt.UTC)
        kwargs = {
            "not_before": now - dt.timedelta(days=30),
            "not_after": now - dt.timedelta(days=1),
        }
    cert = ca.issue_cert(*(identities or ("localhost", "127.0.0.1")), **kwargs)
    ca_path = tmp / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, headers, body = respond(self)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls:
        sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(sctx)
        httpd.socket = sctx.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield TlsServer(port=int(httpd.server_address[1]), ca=ca, ca_path=ca_path)
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(2)


def json_responder(status: int, body: dict[str, object]) -> Responder:
    def respond(_h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    return respond


@contextlib.contextmanager
def proxy_server(status_line: str = "407 Proxy Authentication Required") -> Iterator[int]:
    """A plain-HTTP 'proxy' that refuses every CONNECT with the given status."""

    class Handler(BaseHTTPRequestHandler):
        def do_CONNECT(self) -> None:  # noqa: N802 - http.server naming
            code, _, reason = status_line.partition(" ")
            self.send_response(int(code), reason)
            self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(2)


@dataclass
class Trickle:
    port: int
    connected: threading.Event  # set once a client has connected (and finished TLS)
    ca_path: Path | None = None


@contextlib.contextmanager
def trickle_server(
    tmp: Path | None = None,
    *,
    tls: bool = False,
    greeting: bytes = b"",
    drip: bytes = b"",
    every: float = 0.5,
    limit: float = 40.0,
) -> Iterator[Trickle]:
    """Accepts connections (over TLS with a throwaway CA in `tmp` when tls=True), reads what the
    client sends first, answers `greeting` at once and then one byte of `drip` (cycled) every
    `every` seconds for at most `limit` seconds: each read gets data in time, the answer never
    ends. drip=b"": it stalls after the greeting."""
    ca_path: Path | None = None
    sctx: ssl.SSLContext | None = None
    if tls:
        assert tmp is not None
        ca = trustme.CA()
        ca_path = tmp / "trickle-ca.pem"
        ca.cert_pem.write_to_path(str(ca_path))
        sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(sctx)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.1)
    stop = threading.Event()
    connected = threading.Event()

    def serve(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if sctx is not None:
                conn = sctx.wrap_socket(conn, server_side=True)
            connected.set()
            conn.settimeout(every)
            with contextlib.suppress(TimeoutError):
                conn.recv(65536)
            conn.sendall(greeting)
            ends = time.monotonic() + limit
            i = 0
            while drip and not stop.is_set() and time.monotonic() < ends:
                conn.sendall(drip[i % len(drip) : i % len(drip) + 1])
                i += 1
                stop.wait(every)
            stop.wait(max(0.0, ends - time.monotonic()))
        conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield Trickle(port=int(srv.getsockname()[1]), connected=connected, ca_path=ca_path)
    finally:
        stop.set()
        t.join(2)
        srv.close()
