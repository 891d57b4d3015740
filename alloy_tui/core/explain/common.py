"""Shared pieces of the failure explainers: the context, redaction, and small text helpers.

Kept free of heavy imports (no msal, httpx, exchangelib) so anything may import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import Explanation

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings

# Where people sign in, per cloud (the host in the admin-consent URL and the device-login page).
LOGIN_HOSTS: dict[str, str] = {
    "global": "login.microsoftonline.com",
    "usgov-high": "login.microsoftonline.us",
    "usgov-dod": "login.microsoftonline.us",
    "china": "login.partner.microsoftonline.cn",
}
ADMIN_CENTERS: dict[str, str] = {
    "global": "https://entra.microsoft.com",
    "usgov-high": "https://entra.microsoft.us",
    "usgov-dod": "https://entra.microsoft.us",
    "china": "https://entra.microsoftonline.cn",
}
EWS_RESOURCES: dict[str, str] = {
    "global": "https://outlook.office365.com",
    "usgov-high": "https://outlook.office365.us",
    "usgov-dod": "https://outlook.office365.us",
    "china": "https://partner.outlook.cn",
}


@dataclass(frozen=True)
class ExplainContext:
    """What we know about the attempt, so the fix can name the real app, tenant and users."""

    service: str = "exchange-online"
    api: str = ""  # "graph" | "ews" | "smtp" | "exchange-server" | ""
    account: str = ""  # the signed-in / authenticating account
    from_address: str = ""  # the From when sending on behalf of someone else
    cloud: str = "global"
    client_id: str = ""
    tenant: str = ""
    host: str = ""  # the server we were talking to, when known
    large_messages: bool = False  # Graph drafts for large messages need Mail.ReadWrite

    @classmethod
    def from_settings(
        cls, settings: Settings, *, account: str = "", from_address: str = "", host: str = ""
    ) -> ExplainContext:
        """Build a context from a Settings object."""
        eo = settings.exchange_online
        service = settings.service
        api = eo.api if service == "exchange-online" else service
        return cls(
            service=service,
            api=api,
            account=account or eo.account,
            from_address=from_address,
            cloud=eo.cloud,
            client_id=eo.client_id,
            tenant=eo.tenant,
            host=host,
            large_messages=bool(getattr(eo, "large_messages", False)),
        )

    # Convenience texts used by several explainers --------------------------------------------
    @property
    def login_host(self) -> str:
        return LOGIN_HOSTS.get(self.cloud, LOGIN_HOSTS["global"])

    @property
    def admin_center(self) -> str:
        return ADMIN_CENTERS.get(self.cloud, ADMIN_CENTERS["global"])

    @property
    def app_name(self) -> str:
        return (
            f"the app registration with client id {self.client_id}"
            if self.client_id
            else "your app registration"
        )

    @property
    def app_ref(self) -> str:
        """`<your app>` in a portal path."""
        return self.client_id or "<your app>"

    @property
    def tenant_ref(self) -> str:
        return self.tenant or "<your tenant>"

    @property
    def account_ref(self) -> str:
        return self.account or "the signed-in account"

    @property
    def on_premises(self) -> bool:
        return self.service == "exchange-server" or self.api == "exchange-server"

    @property
    def on_behalf(self) -> bool:
        return bool(self.from_address) and self.from_address.lower() != self.account.lower()

    def admin_consent_url(self) -> str:
        tenant = (
            self.tenant
            if self.tenant and self.tenant not in ("common", "consumers")
            else "{tenant}"
        )
        client = self.client_id or "{client_id}"
        return f"https://{self.login_host}/{tenant}/adminconsent?client_id={client}"

    def scopes_text(self) -> str:
        """The delegated permissions the app needs, named the way the portal shows them."""
        if self.api == "ews":
            return "Office 365 Exchange Online > Delegated > EWS.AccessAsUser.All"
        shared = (
            ", Mail.Send.Shared"
            if self.on_behalf
            else " (plus Mail.Send.Shared when 'From' delegation is on)"
        )
        drafts = ", Mail.ReadWrite (large messages are on)" if self.large_messages else ""
        return f"Microsoft Graph > Delegated > Mail.Send, User.Read{drafts}{shared}"


# Redaction --------------------------------------------------------------------------------------
_REDACTED = "[redacted]"
# Authorization: Bearer xxx / Basic xxx (a header written out in free text or a repr'd dict)
_AUTH_HEADER = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|ntlm|negotiate|negotiate2)\s+)?[^\s\"',;}]+"
)
# A scheme followed by a credential: "Bearer eyJ..." even without the header name
_SCHEME = re.compile(r"(?i)\b(bearer|basic|ntlm|negotiate)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)")
# JWT-shaped: three base64url parts, the first starting with eyJ ({")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# "key": "value" / key=value for names that always hold secrets
_SECRET_KV = re.compile(
    r"(?i)((?<![A-Za-z0-9])(?:access_token|refresh_token|id_token|client_secret|client_assertion|"
    r"assertion|device_code|password|passwd|pwd|secret|api_?key)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
)
# key=value in query strings / form bodies for names that hold secrets there
_SECRET_QS = re.compile(r"(?i)((?<![A-Za-z0-9])(?:code|sig|signature|token|key)=)([^\s\"'&,;}]+)")
# Long opaque runs (refresh tokens, SAS signatures, cookies): 32+ base64-ish characters
_LONG_RUN = re.compile(r"(?<![A-Za-z0-9+/_.-])[A-Za-z0-9+/_.-]{32,}={0,2}")


def _credential_like(value: str) -> bool:
    """Random-looking: has a digit, or mixes case, or carries base64 padding/punctuation."""
    has_digit = any(c.isdigit() for c in value)
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return has_digit or (mixed and len(value) >= 16) or value.endswith("=")


def _long_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if run.startswith("/") or "://" in run or not _dense(run):
        return run  # a path, a URL, a long word or a host name
    return _REDACTED


def _dense(run: str) -> bool:
    """Base64/base64url-looking: digits, upper and lower case all present."""
    return (
        any(c.isdigit() for c in run)
        and any(c.isupper() for c in run)
        and any(c.islower() for c in run)
    )


def redact(text: str) -> str:
    """Remove anything token-like from text meant for people or the log.

    Strips Authorization headers, `Bearer xxx`, JWT-shaped strings, secret-named key=value pairs
    and long random-looking base64 runs. GUIDs (request ids, client ids), paths, host names and
    ordinary words survive.
    """
    if not text:
        return text
    out = str(text)
    out = _JWT.sub(_REDACTED, out)
    out = _AUTH_HEADER.sub(lambda m: m.group(1) + _REDACTED, out)
    out = _SCHEME.sub(
        lambda m: (
            m.group(1) + m.group(2) + _REDACTED if _credential_like(m.group(3)) else m.group(0)
        ),
        out,
    )
    out = _SECRET_KV.sub(lambda m: m.group(1) + _REDACTED, out)
    out = _SECRET_QS.sub(
        lambda m: m.group(0) if m.group(2).isdigit() else m.group(1) + _REDACTED, out
    )
    out = _LONG_RUN.sub(_long_run, out)
    return out


def first_line(text: str, limit: int = 300) -> str:
    """First non-empty line, redacted and shortened."""
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            line = redact(line)
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def first_sentence(text: str, limit: int = 300) -> str:
    """First sentence of a Microsoft error description (drops Trace ID / Timestamp lines)."""
    line = first_line(
        re.split(r"\s(?:Trace ID|Correlation ID|Timestamp):", str(text), maxsplit=1)[0],
        limit=10_000,
    )
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    sentence = match.group(1) if match else line
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def exception_chain(exc: BaseException, limit: int = 20) -> Iterator[BaseException]:
    """The exception, its causes/contexts, and exceptions held in args or `.reason` (urllib3)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack and len(seen) < limit:
        cur = stack.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        nxt: list[BaseException] = []
        for attr in ("__cause__", "__context__", "reason", "original_error"):
            try:
                val = getattr(cur, attr, None)
            except Exception:  # noqa: BLE001 - some properties raise
                val = None
            if isinstance(val, BaseException):
                nxt.append(val)
        for arg in getattr(cur, "args", ()) or ():
            if isinstance(arg, BaseException):
                nxt.append(arg)
        stack.extend(nxt)


def class_names(exc: BaseException) -> set[str]:
    """Names of the class and its bases, qualified by module and bare, for import-free dispatch."""
    names: set[str] = set()
    for cls in type(exc).__mro__:
        names.add(cls.__name__)
        names.add(f"{cls.__module__}.{cls.__name__}")
    return names


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """Case-insensitive header lookup that works for dicts and httpx/requests header objects."""
    if not headers:
        return ""
    try:
        value = headers.get(name)
    except Exception:  # noqa: BLE001
        value = None
    if value is None:
        lname = name.lower()
        for key, val in headers.items():
            if str(key).lower() == lname:
                value = val
                break
    return str(value) if value is not None else ""


def generic(title: str, cause: str, fix: str, code: str = "", **kw: Any) -> Explanation:
    return Explanation(title=title, cause=cause, fix=fix, code=code, **kw)
