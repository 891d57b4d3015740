"""Microsoft Graph transport: POST {graph}/v1.0/me/sendMail (app-only: /users/{mailbox}/sendMail)
with httpx (202 = sent).

`message.from` is set only when sending on behalf of another mailbox. 429/503 honour
Retry-After (at least that long) with bounded retries. This module never imports exchangelib.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.mail import m365
from alloy_tui.core.mail.message import OutgoingMessage, SendResult

if TYPE_CHECKING:
    import httpx

RETRY_STATUSES = (429, 503)


def payload(message: OutgoingMessage, from_address: str) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "subject": message.subject,
        "body": {"contentType": "HTML" if message.html else "Text", "content": message.body},
        "toRecipients": [{"emailAddress": {"address": a}} for a in message.to],
    }
    if from_address:
        msg["from"] = {"emailAddress": {"address": from_address}}
    return {"message": msg, "saveToSentItems": True}


def _encoded(body: dict[str, Any]) -> bytes:
    """The request body as sent; MessageTooLarge (nothing sent) when over Graph's 4 MB."""
    from alloy_tui.core.mail.limits import GRAPH_MAX_REQUEST, too_large

    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > GRAPH_MAX_REQUEST:
        raise too_large(
            f"{len(data):,} bytes as a sendMail request",
            "Microsoft Graph accepts at most 4 MB in one request",
        )
    return data


class GraphTransport(m365.M365Transport):
    api = "graph"

    def send(self, message: OutgoingMessage) -> SendResult:
        account, from_address, token = self._prepare(message)
        from alloy_tui.core import net

        body = _encoded(payload(message, from_address))
        url = f"{self.mailbox_url}/sendMail"
        backoff = m365.Backoff(self.max_attempts, self.max_total_wait)
        refreshed = False
        started = time.monotonic()
        with net.http_client(self.settings, self.config_path) as client:
            while True:
                backoff.next_attempt()
                self.last_attempts = backoff.attempts
                client_request_id = str(uuid.uuid4())
                headers = {
                    "Authorization": f"Bearer {token.token}",
                    "client-request-id": client_request_id,
                    "return-client-request-id": "true",
                    "Content-Type": "application/json",
                }
                try:
                    resp = client.post(url, content=body, headers=headers)
                except (
                    Exception
                ) as e:  # httpx.TransportError and friends: DNS, TLS, refused, timeout
                    from alloy_tui.core.explain import explain_network

                    ex = explain_network(e, self._ctx(account, from_address))
                    raise ExplainedError(m365.with_attempts(ex, backoff)) from None
                request_id = resp.headers.get("request-id", "")
                self.last_request_id = request_id
                if resp.status_code == 202:
                    return SendResult(
                        api="graph",
                        account=account,
                        from_address=from_address or account,
                        to=tuple(message.to),
                        duration_ms=int((time.monotonic() - started) * 1000),
                        request_id=request_id,
                        attempts=backoff.attempts,
                        extra={"client_request_id": client_request_id},
                    )
                if resp.status_code in RETRY_STATUSES:
                    wait = m365.retry_after_seconds(
                        resp.headers.get("Retry-After"), 2.0**backoff.attempts
                    )
                    if backoff.wait(wait):
                        continue
                if resp.status_code == 401 and not refreshed:
                    # The service no longer accepts a token we still think is valid: refresh once.
                    refreshed = True
                    token = self.signin.get_token_info("graph", force_refresh=True)
                    continue
                raise ExplainedError(self._explain(resp, account, from_address, backoff))

    def _explain(
        self, resp: httpx.Response, account: str, from_address: str, backoff: m365.Backoff
    ) -> Explanation:
        from alloy_tui.core.explain import explain_graph

        try:
            data = resp.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = None
        ex = explain_graph(
            resp.status_code, data, dict(resp.headers), self._ctx(account, from_address)
        )
        if not ex.request_id:
            ex.request_id = resp.headers.get("request-id", "")
        extra: dict[str, object] = {"status": resp.status_code}
        if resp.status_code in RETRY_STATUSES:
            extra["gave_up"] = backoff.summary()
            ex.cause = f"{ex.cause} alloy-tui tried {backoff.summary()} and gave up."
        return m365.with_attempts(self._refine(ex, from_address), backoff, extra)
