"""The Sandbox: Entra ID + Graph + EWS stand-ins on https://127.0.0.1:PORT with a throwaway CA,
and an SMTP stand-in (STARTTLS, same CA) on 127.0.0.1:SMTP_PORT.

    with Sandbox(auto_approve_after=1) as sb:
        sb.login_endpoint, sb.tenant, sb.client_id, sb.graph_endpoint, sb.ews_endpoint, sb.ca_path

Nothing here ever talks to Microsoft. The CA and the server certificate are made at start
(trustme) and live only in the sandbox's folder.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from alloy_tui.sandbox import app_only, autodiscover, entra, ews, graph, pages
from alloy_tui.sandbox.httpd import SandboxHandler, SandboxHTTPServer
from alloy_tui.sandbox.mailbox import load_messages
from alloy_tui.sandbox.store import (
    DEFAULT_ACCOUNT,
    DEFAULT_BASIC_USERS,
    DeliveredMessage,
    RecordedRequest,
    State,
)
from alloy_tui.sandbox.wire import Request, Response, text_response

SECRET_FIELDS = {
    "refresh_token",
    "device_code",
    "code",
    "client_secret",
    "client_assertion",
    "password",
}


class Sandbox:
    """Local Entra ID / Graph / EWS. A context manager; `start()` and `stop()` also work."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        workdir: str | Path | None = None,
        auto_approve_after: float | None = None,
        auto_approve_account: str = DEFAULT_ACCOUNT,
        interval: int = 1,
        device_code_lifetime: float = 900.0,
        access_token_lifetime: float = 3600.0,
        refresh_token_lifetime: float = 90 * 86400.0,
        tenant: str | None = None,
        client_id: str | None = None,
        smtp_port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self.auto_approve_after = auto_approve_after
        self.auto_approve_account = auto_approve_account
        self.interval = interval
        self.device_code_lifetime = device_code_lifetime
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.tenant = tenant or str(uuid.uuid4())
        self.client_id = client_id or str(uuid.uuid4())
        self.tenant_domains = {
            "contoso.example",
            "contoso.onmicrosoft.com",
            "organizations",
            "common",
        }
        self.state = State()
        self.app_only = app_only.AppOnly()  # certificates, roles and mailbox scope of the app
        # On-premises users for EWS Basic and NTLM (Exchange Server): user name -> password.
        self.ews_basic_users: dict[str, str] = dict(DEFAULT_BASIC_USERS)
        # Exchange Server Autodiscover (POX): address -> the address it redirects to.
        self.autodiscover_redirects: dict[str, str] = {}
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.smtp_host = host
        self.smtp_port = smtp_port
        self._smtp: Any = None

    # lifecycle -------------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        import trustme

        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="alloy-sandbox-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="Alloy sandbox throwaway CA")
        cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
        self.ca_path = self.workdir / "sandbox-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        handler = type("SandboxHandler", (SandboxHandler,), {"sandbox": self})
        try:
            server = SandboxHTTPServer((self.host, self.port), handler)
        except OSError:
            self.stop()  # the port is taken: leave no folder behind
            raise
        # The handshake happens on first read, in the request's own thread.
        server.socket = ctx.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.name = f"alloy-sandbox-{self.port}"
        self._thread.start()
        try:
            self._start_smtp(ctx)
        except OSError:
            self.stop()
            raise
        return self

    def _start_smtp(self, tls: ssl.SSLContext) -> None:
        from alloy_tui.sandbox.smtp import SmtpStandIn

        self._smtp = SmtpStandIn(self, tls, self.smtp_port)
        self.smtp_port = self._smtp.port
        self._smtp.start()

    def stop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.stop()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # endpoints -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def login_endpoint(self) -> str:
        return self.base_url

    @property
    def authority(self) -> str:
        return f"{self.base_url}/{self.tenant}"

    @property
    def graph_endpoint(self) -> str:
        return self.base_url + graph.PREFIX

    @property
    def ews_endpoint(self) -> str:
        return self.base_url + "/EWS/Exchange.asmx"

    @property
    def verification_url(self) -> str:
        return self.base_url + pages.PATH

    @property
    def messages_dir(self) -> Path:
        assert self.workdir is not None, "the sandbox is not started"
        return self.workdir / "messages"

    def knows_tenant(self, tenant: str) -> bool:
        return tenant.lower() == self.tenant.lower() or tenant.lower() in self.tenant_domains

    # control ---------------------------------------------------------------------------------
    def grant_send_on_behalf(self, owner: str, delegate: str) -> None:
        """`owner`'s mailbox lets `delegate` send on its behalf (Outlook: Delegate Access)."""
        with self.state.lock:
            self.state.add_mailbox(owner) if not self.state.has_mailbox(owner) else None
            self.state.grants.add((owner.lower(), delegate.lower()))

    def revoke_send_on_behalf(self, owner: str, delegate: str) -> None:
        with self.state.lock:
            self.state.grants.discard((owner.lower(), delegate.lower()))

    def add_mailbox(self, address: str, name: str = "") -> None:
        self.state.add_mailbox(address, name)

    def set_scenario(self, name: str, **kw: Any) -> None:
        """Answer like Microsoft does in a failure case. kw: count=N (uses, None = until cleared),
        api="graph"|"ews" (throttle, server_busy, invalid_token), retry_after=seconds,
        scope="Mail.Send.Shared" (consent_required for that scope only), mode="http" (ews_blocked),
        code=700082|50173|50133|70043 (refresh_rejected); slow: retry_after = seconds of delay."""
        self.state.set_scenario(name, dict(kw))

    def clear_scenarios(self) -> None:
        with self.state.lock:
            self.state.scenarios.clear()

    def approve(self, user_code: str, account: str = DEFAULT_ACCOUNT) -> None:
        """Approve a pending sign-in (tests may instead POST to verification_url like a person)."""
        problem = entra.approve(self, user_code, account)
        if problem:
            raise ValueError(problem)

    def decline(self, user_code: str) -> None:
        problem = entra.approve(self, user_code, "", decline=True)
        if problem:
            raise ValueError(problem)

    def register_certificate(self, pem_or_cert: str | bytes | Any) -> str:
        """Register a certificate (PEM or cryptography Certificate) on the sandbox app for
        app-only sign-in (like `az ad app credential reset --cert`). Returns its SHA-1 thumbprint."""
        with self.state.lock:
            return self.app_only.register(pem_or_cert)

    def scope_app_to(self, mailboxes: list[str] | set[str] | None) -> None:
        """Limit the app's app-only access to these mailboxes (None: every mailbox)."""
        with self.state.lock:
            self.app_only.scope = None if mailboxes is None else {m.lower() for m in mailboxes}

    def set_app_roles(self, roles: list[str] | tuple[str, ...]) -> None:
        """The application roles admin consent granted ([] : consent missing)."""
        with self.state.lock:
            self.app_only.roles = tuple(roles)

    def expire_access_tokens(self) -> None:
        with self.state.lock:
            for rec in self.state.tokens.values():
                if rec.kind == "access":
                    rec.expires_at = 0.0

    def revoke_refresh_tokens(self) -> None:
        with self.state.lock:
            for rec in self.state.tokens.values():
                if rec.kind == "refresh":
                    rec.revoked = True

    # observation -----------------------------------------------------------------------------
    def messages(self) -> list[DeliveredMessage]:
        with self.state.lock:
            return list(self.state.messages)

    def load_messages(self) -> list[DeliveredMessage]:
        """Messages read back from the .eml files (what `sandbox messages --dir` shows)."""
        return load_messages(self.messages_dir)

    def requests(self, api: str | None = None) -> list[RecordedRequest]:
        with self.state.lock:
            return [r for r in self.state.requests if api is None or r.api == api]

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def issued_tokens(self) -> set[str]:
        """Every access and refresh token handed out, so tests can check none leaked anywhere."""
        with self.state.lock:
            return set(self.state.tokens)

    def describe(self) -> str:
        return "\n".join(
            [
                f"Alloy sandbox at {self.base_url}",
                f"  tenant:            {self.tenant}",
                f"  client id:         {self.client_id}",
                f"  login endpoint:    {self.login_endpoint}",
                f"  graph endpoint:    {self.graph_endpoint}",
                f"  ews endpoint:      {self.ews_endpoint}",
                f"  verification URL:  {self.verification_url}",
                f"  app certificates:  {self.base_url}{app_only.PAGE} (app-only sign-in)",
                f"  autodiscover:      {self.base_url}{autodiscover.PATH} (Exchange Server)",
                f"  SMTP server:       {self.smtp_host} port {self.smtp_port} (STARTTLS)",
                f"  CA file:           {self.ca_path}",
            ]
        )

    # dispatch --------------------------------------------------------------------------------
    def dispatch(self, req: Request) -> tuple[str, Response]:
        path = req.path
        low = path.lower()
        if low.startswith(graph.PREFIX + "/"):
            slow = self.state.take("slow", "graph")
            if slow is not None:  # a send that takes a while (signals mid-send)
                time.sleep(float(slow.options.get("retry_after", 1)))
            return "graph", graph.handle(self, req)
        if low == ews.PATH:
            return "ews", ews.handle(self, req)
        if low == autodiscover.PATH:
            return "autodiscover", autodiscover.handle(self, req)
        if low == pages.PATH:
            return "page", pages.handle(self, req)
        if low == app_only.PAGE:
            return "page", app_only.page(self, req)
        if path in ("/", ""):
            return "page", pages.index(self)
        resp = entra.handle(self, req)
        if resp is not None:
            return "entra", resp
        return "other", text_response(404, f"Not found: {path}")

    def record(self, api: str, req: Request, status: int) -> None:
        headers = {k: v for k, v in req.headers.items() if k != "authorization"}
        if api == "entra" or api == "page":
            form = (
                {k: v for k, v in req.form().items() if k not in SECRET_FIELDS}
                if req.method == "POST"
                else {}
            )
            rec = RecordedRequest(
                req.method, req.path, headers, api, status, b"", form, time.time()
            )
        else:
            rec = RecordedRequest(
                req.method, req.path, headers, api, status, req.body, {}, time.time()
            )
        with self.state.lock:
            self.state.requests.append(rec)
