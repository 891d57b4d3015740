"""The sandbox's state: mailboxes, delegations, device codes, tokens, scenarios, requests, mail.

Everything here is guarded by one lock (`State.lock`); the HTTP handlers run in threads.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT = "alerts@contoso.example"
DEFAULT_DOMAIN = "contoso.example"

# address -> display name. Everyone here can sign in; only these mailboxes exist.
DEFAULT_MAILBOXES: dict[str, str] = {
    "alerts@contoso.example": "Alloy Alerts",
    "ops@contoso.example": "Ops Team",
    "helpdesk@contoso.example": "Contoso Helpdesk",
    "ceo@contoso.example": "Contoso CEO",
    "svc-alerts@contoso.example": "Alerts Service Account",
}

# (owner, delegate): owner's mailbox granted Send On Behalf to delegate.
DEFAULT_GRANTS: set[tuple[str, str]] = {("helpdesk@contoso.example", "alerts@contoso.example")}

# On-premises (Exchange Server) users for HTTP Basic on EWS: user name -> password.
DEFAULT_BASIC_USERS: dict[str, str] = {
    "CONTOSO\\svc-alerts": "Sandbox-Passw0rd",
    "svc-alerts@contoso.example": "Sandbox-Passw0rd",
}

SCENARIOS: dict[str, str] = {
    "throttle": "429 + Retry-After (Graph) / ErrorServerBusy with BackOffMilliseconds (EWS)",
    "server_busy": "503 + Retry-After on Graph and EWS",
    "consent_required": "token endpoint: AADSTS65001 invalid_grant, suberror consent_required",
    "public_client_disabled": "token endpoint: AADSTS7000218 invalid_client",
    "refresh_token_expired": "refresh grant: AADSTS70008 invalid_grant",
    "refresh_rejected": "refresh grant: invalid_grant with code=700082 (idle 90 days), 50173 "
    "(password changed), 50133 (sessions revoked) or 70043 (sign-in frequency)",
    "mfa_required": "refresh grant: AADSTS50076 invalid_grant, suberror basic_action",
    "ca_blocked": "token endpoint: AADSTS53003 blocked by Conditional Access",
    "device_code_expired": "device codes expire at once: expired_token AADSTS70019",
    "declined": "the user declines the sign-in: authorization_declined",
    "slow": "Graph answers after retry_after seconds (default 1): a send in flight",
    "mailbox_not_enabled": "Graph 404 MailboxNotEnabledForRESTAPI",
    "invalid_token": "Graph/EWS 401 InvalidAuthenticationToken",
    "ews_blocked": "EWS turned off for the tenant: ErrorAccessDenied (mode='http': HTTP 403)",
    "refuse_content": "Graph 400 / EWS ErrorMimeContentConversionFailed for each message whose "
    "Subject holds marker (default 'POISON'), as Exchange answers a message it cannot convert",
    "refuse_recipients": "Graph 400 / EWS ErrorInvalidRecipients for a message to an address "
    "holding marker (default 'refused'); named=False: without naming it, as Exchange sometimes does",
}

SCENARIO_OPTIONS = {"count", "api", "retry_after", "scope", "mode", "code", "marker", "named"}

# Scenarios that answer a limited number of requests unless told otherwise.
COUNTED_BY_DEFAULT = {"throttle": 1, "server_busy": 1, "slow": 1}


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(40)


@dataclass
class Scenario:
    name: str
    options: dict[str, Any]
    remaining: int | None  # None: until cleared

    def retry_after(self) -> int:
        """Whole seconds for a Retry-After header (0 allowed: tests that retry at once; the
        option set to None: no Retry-After header at all, -1 here)."""
        value = self.options.get("retry_after", 1)
        return -1 if value is None else max(0, math.ceil(float(value)))

    def applies_to(self, api: str) -> bool:
        wanted = self.options.get("api")
        return wanted is None or wanted == api


@dataclass
class DeviceCode:
    device_code: str = field(repr=False)
    user_code: str
    client_id: str
    tenant: str
    scopes: tuple[str, ...]
    issued_at: float
    expires_at: float
    status: str = "pending"  # pending | approved | declined | redeemed
    account: str = ""


@dataclass
class TokenRecord:
    value: str = field(repr=False)
    kind: str  # "access" | "refresh"
    account: str
    audience: str  # "graph" | "ews" | "" for refresh tokens
    scopes: tuple[str, ...]
    expires_at: float
    client_id: str
    revoked: bool = False
    app: bool = False  # an app-only token (client credentials): `scopes` holds its roles

    def expired(self, now: float | None = None) -> bool:
        return self.revoked or (now or time.time()) >= self.expires_at


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # without Authorization
    api: str  # "entra" | "graph" | "ews" | "page" | "other"
    status: int
    body: bytes = b""  # Graph and EWS bodies; empty for sign-in requests (they carry secrets)
    form: dict[str, str] = field(default_factory=dict)  # sign-in form fields, secrets removed
    time: float = 0.0


@dataclass(frozen=True)
class DeliveredMessage:
    api: str  # "graph" | "ews"
    account: str  # who authenticated
    from_address: str
    sender: str  # the account when sent on behalf, else ""
    to: tuple[str, ...]
    subject: str
    body: str
    html: bool
    path: str  # the .eml file
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    message_id: str = ""
    date: str = ""
    attachments: tuple[str, ...] = ()  # file names of the attachments, in order
    mime: bool = False  # handed over as MIME (Graph text/plain sendMail, EWS MimeContent)


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.mailboxes: dict[str, str] = dict(DEFAULT_MAILBOXES)
        self.oids: dict[str, str] = {m: str(uuid.uuid4()) for m in self.mailboxes}
        self.grants: set[tuple[str, str]] = set(DEFAULT_GRANTS)
        self.device_codes: dict[str, DeviceCode] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.scenarios: dict[str, Scenario] = {}
        self.requests: list[RecordedRequest] = []
        self.messages: list[DeliveredMessage] = []
        self.drafts: dict[str, dict[str, Any]] = {}  # Graph drafts (large messages) by id
        self.uploads: dict[str, dict[str, Any]] = {}  # attachment upload sessions by URL token

    # mailboxes -------------------------------------------------------------------------------
    def add_mailbox(self, address: str, name: str = "") -> None:
        address = address.lower()
        with self.lock:
            self.mailboxes[address] = name or address.split("@")[0]
            self.oids.setdefault(address, str(uuid.uuid4()))

    def has_mailbox(self, address: str) -> bool:
        return address.lower() in self.mailboxes

    def display_name(self, address: str) -> str:
        return self.mailboxes.get(address.lower(), address)

    def oid(self, address: str) -> str:
        with self.lock:
            return self.oids.setdefault(address.lower(), str(uuid.uuid4()))

    def may_send_on_behalf(self, owner: str, delegate: str) -> bool:
        return (owner.lower(), delegate.lower()) in self.grants

    # scenarios -------------------------------------------------------------------------------
    def set_scenario(self, name: str, options: dict[str, Any]) -> None:
        if name not in SCENARIOS:
            known = ", ".join(sorted(SCENARIOS))
            raise ValueError(f"unknown sandbox scenario {name!r}; known: {known}")
        unknown = set(options) - SCENARIO_OPTIONS
        if unknown:
            raise ValueError(
                f"unknown option(s) for scenario {name!r}: {', '.join(sorted(unknown))}"
            )
        if options.get("api") not in (None, "graph", "ews"):
            raise ValueError(f"api must be 'graph' or 'ews', got {options['api']!r}")
        count = options.pop("count", COUNTED_BY_DEFAULT.get(name))
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValueError(
                f"count must be a whole number of requests (1 or more) or None, got {count!r}"
            )
        with self.lock:
            self.scenarios[name] = Scenario(name, options, count)

    def take(self, name: str, api: str = "") -> Scenario | None:
        """The active scenario `name` for this request (consuming one use), else None."""
        with self.lock:
            sc = self.scenarios.get(name)
            if sc is None or (api and not sc.applies_to(api)):
                return None
            if sc.remaining is not None:
                sc.remaining -= 1
                if sc.remaining <= 0:
                    del self.scenarios[name]
            return sc

    def active(self, name: str) -> Scenario | None:
        with self.lock:
            return self.scenarios.get(name)

    # device codes ----------------------------------------------------------------------------
    def new_device_code(
        self, client_id: str, tenant: str, scopes: tuple[str, ...], lifetime: float
    ) -> DeviceCode:
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words, no 0/O or 1/I confusion
        with self.lock:
            while True:
                user_code = "".join(secrets.choice(alphabet) for _ in range(8))
                user_code = f"{user_code[:4]}-{user_code[4:]}"
                if all(d.user_code != user_code for d in self.device_codes.values()):
                    break
            now = time.time()
            dc = DeviceCode(
                device_code=new_secret("sbx-dc-"),
                user_code=user_code,
                client_id=client_id,
                tenant=tenant,
                scopes=scopes,
                issued_at=now,
                expires_at=now + lifetime,
            )
            self.device_codes[dc.device_code] = dc
            return dc

    def find_user_code(self, user_code: str) -> DeviceCode | None:
        wanted = normalise_user_code(user_code)
        with self.lock:
            for dc in self.device_codes.values():
                if normalise_user_code(dc.user_code) == wanted:
                    return dc
        return None

    # tokens ----------------------------------------------------------------------------------
    def issue(
        self,
        kind: str,
        account: str,
        audience: str,
        scopes: tuple[str, ...],
        lifetime: float,
        client_id: str,
    ) -> TokenRecord:
        prefix = "sbx-at-" if kind == "access" else "sbx-rt-"
        rec = TokenRecord(
            value=new_secret(prefix),
            kind=kind,
            account=account,
            audience=audience,
            scopes=scopes,
            expires_at=time.time() + lifetime,
            client_id=client_id,
        )
        with self.lock:
            self.tokens[rec.value] = rec
        return rec

    def lookup(self, value: str, kind: str) -> TokenRecord | None:
        with self.lock:
            rec = self.tokens.get(value)
        return rec if rec is not None and rec.kind == kind else None


def normalise_user_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())
