"""The sandbox's HTTP server: one thread per connection, each request handed to `Sandbox.dispatch`."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from alloy_tui.sandbox.wire import Request, Response, text_response

if TYPE_CHECKING:
    from alloy_tui.sandbox.server import Sandbox

MAX_BODY = 10 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        pass  # a client that hung up or did not trust the CA: nothing to report


class SandboxHandler(BaseHTTPRequestHandler):
    sandbox: Sandbox  # set on a subclass per sandbox
    timeout = 30
    protocol_version = "HTTP/1.1"
    server_version = "AlloySandbox/1.0"

    def setup(self) -> None:
        super().setup()
        self.conn: dict[str, Any] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(text_response(413, "Request body too large"))
            return
        body = self.rfile.read(length) if length > 0 else b""
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, parts.path, query, headers, body, self.conn)
        try:
            api, resp = self.sandbox.dispatch(req)
        except Exception as e:  # a bug in the sandbox: answer 500, don't kill the thread
            api, resp = "other", text_response(500, f"sandbox error: {type(e).__name__}: {e}")
        self.sandbox.record(api, req, resp.status)
        self._send(resp)

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers.items():
            for v in value if isinstance(value, list) else [value]:
                self.send_header(name, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815
