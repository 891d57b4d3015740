"""Request and response values passed between the HTTP server and the endpoint modules."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, str]
    # Authorization headers and token-request forms: never in repr() (a log line, a traceback).
    headers: dict[str, str] = field(repr=False)  # lower-cased names
    body: bytes = field(repr=False)
    conn: dict[str, Any] = field(default_factory=dict, repr=False)  # per TCP connection (NTLM)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def form(self) -> dict[str, str]:
        """application/x-www-form-urlencoded body (last value wins)."""
        try:
            parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return {}
        return {k: v[-1] for k, v in parsed.items()}

    def bearer(self) -> str | None:
        auth = self.header("authorization")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip()
        return None


@dataclass
class Response:
    status: int
    body: bytes = field(default=b"", repr=False)  # token responses carry tokens
    content_type: str = ""
    headers: dict[str, str | list[str]] = field(default_factory=dict)  # a list: repeated header


def json_response(
    status: int, obj: Any, headers: dict[str, str | list[str]] | None = None
) -> Response:
    return Response(
        status,
        json.dumps(obj).encode("utf-8"),
        "application/json; charset=utf-8",
        dict(headers or {}),
    )


def html_response(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8")


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode("utf-8"), "text/plain; charset=utf-8")


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso_now() -> str:
    return now_utc().strftime("%Y-%m-%dT%H:%M:%S")


def new_id() -> str:
    return str(uuid.uuid4())
