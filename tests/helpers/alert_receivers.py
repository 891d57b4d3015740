"""Real receivers for alerts: a Unix datagram socket standing in for /dev/log (there is no
syslog daemon here), and an HTTPS webhook on 127.0.0.1 with a throwaway trustme CA; as
fixtures, `syslog` (`syslog_receiver` for child processes, `syslog_socket` for this one too) and
`hook` (`webhook_receiver`)."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class SyslogReceiver:
    """Bind a datagram socket at `path`; `lines()` is what arrived, decoded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.got: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.got.append(data.decode("utf-8", "replace"))

    def lines(self, wait: float = 0.0, count: int = 1) -> list[str]:
        deadline = time.monotonic() + wait
        while len(self.got) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.got)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class WebhookReceiver:
    """HTTPS on 127.0.0.1: records each POST's JSON; `status` and `delay` set how it answers."""

    def __init__(self, workdir: Path) -> None:
        import trustme

        ca = trustme.CA(organization_name="Alloy webhook test CA")
        self.ca_path = workdir / "webhook-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        self.posts: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.status = 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.paths.append(self.path)
                receiver.posts.append(json.loads(body or b"{}"))
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.secret_path = "/hooks/T000/B000/s3cr3t-webhook-token"
        self.url = f"https://127.0.0.1:{self.port}{self.secret_path}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def texts(self, wait: float = 0.0, count: int = 1) -> list[str]:
        deadline = time.monotonic() + wait
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return [str(p.get("text", "")) for p in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="syslog")
def syslog_receiver(tmp_path: Path) -> Iterator[SyslogReceiver]:
    """A syslog socket beside the test's config (<tmp_path>/log.sock), for the child processes
    pointed at it (`tests.helpers.cli.run(..., syslog=True)`)."""
    r = SyslogReceiver(tmp_path / "log.sock")
    yield r
    r.close()


@pytest.fixture(name="syslog")
def syslog_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SyslogReceiver]:
    """The same socket, and this process sends its own syslog lines there too
    (ALLOY_TUI_SYSLOG_SOCKET), never to this machine's."""
    r = SyslogReceiver(tmp_path / "log.sock")
    monkeypatch.setenv("ALLOY_TUI_SYSLOG_SOCKET", str(r.path))
    yield r
    r.close()


@pytest.fixture(name="hook")
def webhook_receiver(tmp_path: Path) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(tmp_path)
    yield r
    r.close()
