"""Raw delivery through Microsoft Graph: POST {graph}/v1.0/me/sendMail (app-only:
/users/{mailbox}/sendMail, the transport's `mailbox_url`) with the base64 of the MIME message as
a text/plain body (202 = accepted). One access token and one httpx client serve
every message of a run; the token is renewed only when it is about to expire, or once on a 401.

No retries here: the outbox runner decides when to try again, a foreground send waits in
`backoff.with_backoff` (429/503 with their Retry-After are in the explanation's details).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail import m365
from alloy_tui.core.mail.headers import for_exchange, from_header_address, other_from
from alloy_tui.core.mail.limits import GRAPH_MAX_RAW_BYTES, size_refusal
from alloy_tui.core.mail.message import SendResult
from alloy_tui.core.mail.sendable import make_sendable

BUSY_STATUSES = (429, 503)  # throttled, busy: `backoff.with_backoff` tries again
TOKEN_MARGIN = 120.0  # renew an access token this many seconds before it expires


def large_message_fix(app_only: bool = False) -> str:
    needs = (
        'the role assignment "Application Mail.ReadWrite" for the mailbox (`alloy-tui app-cert '
        "create` prints the commands)"
        if app_only
        else "the delegated permission Mail.ReadWrite, and `alloy-tui login` once more"
    )
    return (
        f"Turn on large messages ([exchange_online] large_messages = true; the app then needs "
        f"{needs}), or send a smaller message (under 3 MB of MIME); EWS and SMTP take messages up "
        "to the 35 MB limit."
    )


class GraphDelivery(m365.M365Client):
    api = "graph"

    def __init__(self, settings: Settings, config_path: Path, *, signin: Any = None) -> None:
        super().__init__(settings, config_path, signin)
        self._client: Any = None
        self._token: Any = None
        self._account = ""
        self.token_acquisitions = 0
        self.client_request_id = ""

    def __enter__(self) -> GraphDelivery:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _ready(self, force_refresh: bool = False) -> None:
        if self._client is None:
            from alloy_tui.core import net

            self._client = net.http_client(self.settings, self.config_path)
        stale = self._token is None or self._token.expires_at - time.time() < TOKEN_MARGIN
        if stale or force_refresh:
            self._token = self.signin.get_token_info("graph", force_refresh=force_refresh)
            self.token_acquisitions += 1
            self._account = self.signin.username() or self.settings.exchange_online.account

    def send_raw(
        self, message: bytes, recipients: Sequence[str], *, sender: str = ""
    ) -> SendResult:
        started = time.monotonic()
        message = make_sendable(message)  # NUL, bare CR, unlabelled 8-bit
        mime = for_exchange(message, recipients)  # once: the draft path reads it too
        large = len(mime) > GRAPH_MAX_RAW_BYTES
        too_big = size_refusal(len(mime), self.settings, large_message_fix(self.app_only))
        if too_big is not None:
            raise ExplainedError(too_big)
        self._ready()
        if large:
            from alloy_tui.core.mail.graph.large import send_large

            request_id = send_large(self, message, mime)
        else:
            body = base64.b64encode(mime)
            url = f"{self.mailbox_url}/sendMail"
            resp = self._call("POST", url, content=body, mime=True)
            if resp.status_code != 202:
                raise ExplainedError(self._explain(resp, other_from(message, self._account)))
            request_id = resp.headers.get("request-id", "")
        self.last_request_id = request_id
        return SendResult(
            api="graph",
            account=self._account,
            from_address=from_header_address(message) or self._account,
            to=tuple(recipients),
            duration_ms=int((time.monotonic() - started) * 1000),
            request_id=request_id,
            extra={
                "size": str(len(message)),
                "client_request_id": self.client_request_id,
                **({"via": "draft"} if large else {}),
            },
        )

    def _call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        mime: bool = False,
        auth: bool = True,
    ) -> Any:
        """One Graph request; a 401 renews the token once; network failures are explained."""
        for attempt in (1, 2):
            h = dict(headers or {})
            if auth:
                h["Authorization"] = f"Bearer {self._token.token}"
                self.client_request_id = str(uuid.uuid4())
                h.update(
                    {
                        "client-request-id": self.client_request_id,
                        "return-client-request-id": "true",
                    }
                )
            if mime:
                h["Content-Type"] = "text/plain"
            try:
                resp = self._client.request(method, url, json=json, content=content, headers=h)
            except Exception as e:  # httpx.TransportError and friends: DNS, TLS, refused, timeout
                from alloy_tui.core.explain import explain_network

                raise ExplainedError(explain_network(e, self._ctx(self._account, ""))) from None
            if resp.status_code == 401 and auth and attempt == 1:
                self._ready(force_refresh=True)  # a token we thought valid was refused
                continue
            return resp
        return resp

    def _explain(self, resp: Any, from_address: str = "") -> Explanation:
        from alloy_tui.core.explain import explain_graph

        try:
            data = resp.json()
        except ValueError:
            data = None
        ex = explain_graph(
            resp.status_code,
            data if isinstance(data, dict) else None,
            dict(resp.headers),
            self._ctx(self._account, from_address),
        )
        ex = self._refine(ex, from_address)
        ex.request_id = ex.request_id or resp.headers.get("request-id", "")
        ex.details["status"] = resp.status_code
        after = resp.headers.get("Retry-After")
        if after:
            ex.details["retry_after"] = m365.retry_after_seconds(after, 0.0)
        if resp.status_code in BUSY_STATUSES:  # the foreground waits and tries again
            ex.details["busy"] = True
        return ex
