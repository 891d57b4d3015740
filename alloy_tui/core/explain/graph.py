"""Microsoft Graph sendMail errors -> what to change (the table is in `graph_codes`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import ExplainContext, first_sentence, header, redact
from alloy_tui.core.explain.graph_codes import (
    CODES,
    REFUSED_RE,
    GraphReply,
    by_status,
    send_on_behalf_fix,
    send_on_behalf_texts,
    status_verdict,
)

__all__ = [
    "explain_graph",
    "graph_request_id",
    "send_on_behalf_fix",
    "send_on_behalf_texts",
]


def _graph_error(body: Mapping[str, Any] | None) -> tuple[str, str, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        return "", "", {}
    err = body.get("error")
    if isinstance(err, Mapping):
        inner = err.get("innerError") or err.get("innererror") or {}
        return (
            str(err.get("code") or ""),
            str(err.get("message") or ""),
            inner if isinstance(inner, Mapping) else {},
        )
    if isinstance(err, str):  # OAuth-style {"error": "...", "error_description": "..."}
        return err, str(body.get("error_description") or ""), {}
    return "", "", {}


def graph_request_id(body: Mapping[str, Any] | None, headers: Mapping[str, str] | None) -> str:
    _, _, inner = _graph_error(body)
    for key in ("request-id", "requestId", "client-request-id"):
        if inner.get(key):
            return str(inner[key])
    return header(headers, "request-id") or header(headers, "client-request-id")


def explain_graph(
    status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str], ctx: ExplainContext
) -> Explanation:
    """A Graph error response (status, parsed JSON body or None, headers) -> Explanation: the row
    of `graph_codes.CODES` for its error code, else the one its HTTP status picks."""
    code, message, _inner = _graph_error(body)
    said = first_sentence(message)
    reply = GraphReply(status, code, said, headers, ctx, {"status": status})
    if said:
        reply.details["microsoft_says"] = said
    texts = (CODES.get(code) or by_status(reply))(reply)
    named = REFUSED_RE.findall(message) if texts.verdict == "recipients" else []
    if named:
        reply.details["refused_recipients"] = list(dict.fromkeys(named))
    return Explanation(
        title=texts.title,
        cause=redact(texts.cause),
        fix=redact(texts.fix),
        code=code or f"http.{status}",
        request_id=graph_request_id(body, headers),
        retryable=texts.retryable,
        details=reply.details,
        verdict=texts.verdict or status_verdict(status),
    )
