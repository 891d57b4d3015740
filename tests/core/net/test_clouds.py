"""Endpoints per cloud; overrides change where requests go, never what the token is for."""

from __future__ import annotations

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.net import clouds


def eo(**kw: object) -> Settings:
    return Settings().with_section("exchange_online", **kw)


@pytest.mark.parametrize(
    ("cloud", "login", "graph", "ews_host"),
    [
        (
            "global",
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "outlook.office365.com",
        ),
        (
            "usgov-high",
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
            "outlook.office365.us",
        ),
        (
            "usgov-dod",
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
            "webmail.apps.mil",
        ),
        (
            "china",
            "https://login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn",
            "partner.outlook.cn",
        ),
    ],
)
def test_cloud_table(cloud: str, login: str, graph: str, ews_host: str) -> None:
    s = eo(cloud=cloud)
    ep = clouds.endpoints(s)
    assert ep.login == login
    assert ep.graph == graph
    assert ep.send_mail_url == f"{graph}/v1.0/me/sendMail"
    assert ep.ews == f"https://{ews_host}/EWS/Exchange.asmx"
    assert ep.authority("contoso.onmicrosoft.com") == f"{login}/contoso.onmicrosoft.com"
    assert clouds.scopes(s, "graph") == [f"{graph}/Mail.Send", f"{graph}/User.Read"]
    assert clouds.scopes(s, "ews") == [f"https://{ews_host}/EWS.AccessAsUser.All"]
    assert not ep.login_overridden


def test_delegation_adds_mail_send_shared() -> None:
    s = eo(from_delegation=True)
    assert clouds.scopes(s, "graph") == [
        "https://graph.microsoft.com/Mail.Send",
        "https://graph.microsoft.com/Mail.Send.Shared",
        "https://graph.microsoft.com/User.Read",
    ]
    assert clouds.scopes(s, "ews") == ["https://outlook.office365.com/EWS.AccessAsUser.All"]


def test_overrides_change_hosts_not_scopes() -> None:
    s = eo(
        cloud="usgov-high",
        login_endpoint="https://127.0.0.1:8443/",
        graph_endpoint="https://gw.example/graph/v1.0",
        ews_endpoint="https://mail.example/EWS/Exchange.asmx",
    )
    ep = clouds.endpoints(s)
    assert ep.login == "https://127.0.0.1:8443" and ep.login_overridden
    assert ep.send_mail_url == "https://gw.example/graph/v1.0/me/sendMail"
    assert ep.ews == "https://mail.example/EWS/Exchange.asmx"
    # The token is still for GCC High's Graph and Exchange, whatever host the requests go to.
    assert clouds.scopes(s, "graph")[0] == "https://graph.microsoft.us/Mail.Send"
    assert clouds.scopes(s, "ews") == ["https://outlook.office365.us/EWS.AccessAsUser.All"]


def test_unknown_resource() -> None:
    with pytest.raises(ValueError, match="graph"):
        clouds.scopes(Settings(), "smtp")
