"""Endpoints per Microsoft cloud, and the overrides.

Two different things per cloud:
- *where requests go*: the authority host, the Graph service root, the EWS URL. The settings
  ``login_endpoint``, ``graph_endpoint`` and ``ews_endpoint`` override these (a gateway, a proxy,
  the sandbox);
- *what a token is for*: the resource identity named in scopes (``https://graph.microsoft.com``,
  ``https://outlook.office365.com``). Overrides never change it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import CLOUD_LABELS

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings


# NamedTuples, not dataclasses: `status --check` reads the login host from here every minute,
# and importing dataclasses is a tenth of the interpreter's start-up.
class Cloud(NamedTuple):
    name: str
    label: str
    login: str  # authority host, e.g. https://login.microsoftonline.com
    graph: str  # Graph service root (requests go to {graph}/v1.0/...)
    ews: str  # the full EWS URL
    graph_resource: str  # resource identity in Graph scopes
    ews_resource: str  # resource identity in the EWS scope


CLOUDS: dict[str, Cloud] = {
    "global": Cloud(
        "global",
        CLOUD_LABELS["global"],
        "https://login.microsoftonline.com",
        "https://graph.microsoft.com",
        "https://outlook.office365.com/EWS/Exchange.asmx",
        "https://graph.microsoft.com",
        "https://outlook.office365.com",
    ),
    "usgov-high": Cloud(
        "usgov-high",
        CLOUD_LABELS["usgov-high"],
        "https://login.microsoftonline.us",
        "https://graph.microsoft.us",
        "https://outlook.office365.us/EWS/Exchange.asmx",
        "https://graph.microsoft.us",
        "https://outlook.office365.us",
    ),
    # DoD's EWS host (webmail.apps.mil) is unverified: no Microsoft page confirms it;
    # ews_endpoint can override it.
    "usgov-dod": Cloud(
        "usgov-dod",
        CLOUD_LABELS["usgov-dod"],
        "https://login.microsoftonline.us",
        "https://dod-graph.microsoft.us",
        "https://webmail.apps.mil/EWS/Exchange.asmx",
        "https://dod-graph.microsoft.us",
        "https://webmail.apps.mil",
    ),
    "china": Cloud(
        "china",
        CLOUD_LABELS["china"],
        "https://login.partner.microsoftonline.cn",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://partner.outlook.cn/EWS/Exchange.asmx",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://partner.outlook.cn",
    ),
}

GRAPH_SCOPES = ("Mail.Send", "User.Read")
GRAPH_SHARED_SCOPE = "Mail.Send.Shared"
GRAPH_DRAFT_SCOPE = "Mail.ReadWrite"
EWS_SCOPE = "EWS.AccessAsUser.All"


class Endpoints(NamedTuple):
    cloud: Cloud
    login: str  # where sign-in requests go
    graph: str  # where Graph requests go
    ews: str  # where EWS requests go
    login_overridden: bool

    def authority(self, tenant: str) -> str:
        return f"{self.login}/{tenant}"

    def mailbox_url(self, mailbox: str = "") -> str:
        """Graph's root for the sending mailbox: /me for a signed-in user, /users/{mailbox} for an
        app-only token (Graph refuses /me for an app)."""
        if not mailbox:
            return f"{self.graph}/v1.0/me"
        from urllib.parse import quote

        return f"{self.graph}/v1.0/users/{quote(mailbox, safe='@')}"

    @property
    def send_mail_url(self) -> str:
        return f"{self.mailbox_url()}/sendMail"

    def user_send_mail_url(self, mailbox: str) -> str:
        """App-only sends name the mailbox: /users/{mailbox}/sendMail."""
        return f"{self.mailbox_url(mailbox)}/sendMail"


def _strip(url: str) -> str:
    return url.strip().rstrip("/")


def cloud(settings: Settings) -> Cloud:
    return CLOUDS[settings.exchange_online.cloud]


def endpoints(settings: Settings) -> Endpoints:
    eo = settings.exchange_online
    c = CLOUDS[eo.cloud]
    graph = _strip(eo.graph_endpoint) or c.graph
    if graph.endswith("/v1.0"):
        graph = graph[: -len("/v1.0")]
    return Endpoints(
        cloud=c,
        login=_strip(eo.login_endpoint) or c.login,
        graph=graph,
        ews=eo.ews_endpoint.strip() or c.ews,
        login_overridden=bool(eo.login_endpoint.strip()),
    )


def app_mailbox(settings: Settings) -> str:
    """The mailbox an app-only sign-in sends as, or "" when a user signs in (device code)."""
    eo = settings.exchange_online
    return eo.mailbox if eo.auth == "certificate" else ""


def mailbox_url(settings: Settings) -> str:
    """Where these settings' Graph mail goes: {graph}/v1.0/me, or /users/{mailbox} for app-only;
    sendMail, drafts and upload sessions all hang under it."""
    return endpoints(settings).mailbox_url(app_mailbox(settings))


def scopes(settings: Settings, resource: str) -> list[str]:
    """The scopes for one resource ("graph" or "ews"), named with the cloud's resource identity."""
    c = cloud(settings)
    if resource == "graph":
        names = list(GRAPH_SCOPES)
        if settings.exchange_online.from_delegation:
            names.insert(1, GRAPH_SHARED_SCOPE)
        if settings.exchange_online.large_messages:  # drafts for messages over the request limit
            names.insert(1, GRAPH_DRAFT_SCOPE)
        return [f"{c.graph_resource}/{n}" for n in names]
    if resource == "ews":
        return [f"{c.ews_resource}/{EWS_SCOPE}"]
    raise ValueError(f"unknown resource {resource!r}; expected 'graph' or 'ews'")
