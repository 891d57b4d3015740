"""Exchange Server Autodiscover (POX) against the sandbox, for real: requests, requests_ntlm and
TLS over a socket, the sandbox's /autodiscover/autodiscover.xml answering."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.mail.exchange_server.discover import (
    _redirect_url_ok,
    candidates,
    discover_ews_url,
    needs_discovery,
    parse_answer,
    server_base,
)
from alloy_tui.core.mail.exchange_server.status import status
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message
from alloy_tui.core.secrets import passwords as secrets
from alloy_tui.sandbox import Sandbox
from tests.helpers.on_premises import PASSWORD, UPN, USER, exchange_server_settings
from tests.helpers.sandboxes import module_sandbox  # noqa: F401 - fixture `sandbox`


@pytest.fixture(autouse=True)
def _clean(sandbox: Sandbox) -> Iterator[None]:
    sandbox.clear_requests()
    yield
    sandbox.autodiscover_redirects.clear()


def settings_for(sandbox: Sandbox, **kw: object) -> Settings:
    """No EWS URL: Autodiscover finds it."""
    return exchange_server_settings(sandbox, **{"ews_endpoint": "", **kw})


def discover(sandbox: Sandbox, tmp_path: Path, address: str = UPN, **kw: object):  # noqa: ANN201
    settings = settings_for(sandbox, auth=kw.pop("auth", "basic"))
    kw.setdefault("server", sandbox.base_url)
    kw.setdefault("password", PASSWORD)
    return discover_ews_url(settings, tmp_path / "config.toml", address, **kw)  # type: ignore[arg-type]


def autodiscover_requests(sandbox: Sandbox) -> list[object]:
    return sandbox.requests("autodiscover")


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_finds_the_ews_url_and_it_sends(sandbox: Sandbox, tmp_path: Path, auth: str) -> None:
    found = discover(sandbox, tmp_path, auth=auth)
    assert found.ews_url == sandbox.ews_endpoint
    assert found.source == sandbox.base_url + "/autodiscover/autodiscover.xml"
    settings = settings_for(sandbox, auth=auth, ews_endpoint=found.ews_url)
    secrets.store_password("exchange-server", settings.exchange_server.username, PASSWORD)
    result = send_message(
        settings,
        tmp_path / "c.toml",
        OutgoingMessage(to=("ops@contoso.example",), subject=f"found {auth}", body="ok"),
    )
    assert result.api == "exchange-server"
    assert [m.subject for m in sandbox.messages()][-1] == f"found {auth}"


def test_server_as_host_and_port(sandbox: Sandbox, tmp_path: Path) -> None:
    host_port = sandbox.base_url.removeprefix("https://")
    assert discover(sandbox, tmp_path, server=host_port).ews_url == sandbox.ews_endpoint


def test_wrong_password_stops_at_once_and_never_shows_it(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(ExplainedError) as e:
        discover(sandbox, tmp_path, password="Wrong-Secret-99")
    ex = e.value.explanation
    assert ex.code == "autodiscover.401" and "Get-AutodiscoverVirtualDirectory" in ex.fix
    assert "Wrong-Secret-99" not in ex.one_line() + repr(ex.details)
    assert len(autodiscover_requests(sandbox)) == 1  # the password went to one place only


def test_unknown_address_is_not_found(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(ExplainedError) as e:
        discover(sandbox, tmp_path, address="nobody@contoso.example")
    ex = e.value.explanation
    assert ex.code == "autodiscover.not_found"
    assert "error 500: The email address can't be found" in ex.cause
    assert "Get-WebServicesVirtualDirectory" in ex.fix and "/EWS/Exchange.asmx" in ex.fix


def test_untrusted_certificate_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sandbox).with_section("network", ca_bundle="")
    with pytest.raises(ExplainedError) as e:
        discover_ews_url(
            settings, tmp_path / "c.toml", UPN, server=sandbox.base_url, password=PASSWORD
        )
    ex = e.value.explanation
    assert "certificate not trusted" in ex.cause and "[network] ca_bundle" in ex.fix
    assert autodiscover_requests(sandbox) == []  # the handshake failed: no request, no password


def test_address_redirect_is_followed_and_a_loop_is_refused(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.autodiscover_redirects["old-alerts@contoso.example"] = UPN
    found = discover(sandbox, tmp_path, address="old-alerts@contoso.example")
    assert found.ews_url == sandbox.ews_endpoint and found.address == UPN
    assert any("redirected to the address" in t for t in found.tried)
    sandbox.autodiscover_redirects["a@contoso.example"] = "b@contoso.example"
    sandbox.autodiscover_redirects["b@contoso.example"] = "a@contoso.example"
    sandbox.clear_requests()
    with pytest.raises(ExplainedError, match="loop or too many"):
        discover(sandbox, tmp_path, address="a@contoso.example")
    assert len(autodiscover_requests(sandbox)) == 2


def test_from_the_address_domain_when_no_server_is_named(tmp_path: Path) -> None:
    assert candidates("Ops@Contoso.Example") == [
        "https://contoso.example/autodiscover/autodiscover.xml",
        "https://autodiscover.contoso.example/autodiscover/autodiscover.xml",
    ]
    settings = (
        Settings(service="exchange-server")
        .with_section("exchange_server", username=USER)
        .with_section("network", timeout=3.0)
    )
    with pytest.raises(ExplainedError) as e:
        discover_ews_url(
            settings, tmp_path / "c.toml", "x@alloy-nowhere.invalid", password="Xq-77-long"
        )
    cause = e.value.explanation.cause
    assert "https://alloy-nowhere.invalid/autodiscover" in cause
    assert "https://autodiscover.alloy-nowhere.invalid/autodiscover" in cause


def test_bad_input_fails_before_any_request(sandbox: Sandbox, tmp_path: Path) -> None:
    for server in ("http://mail.contoso.example", "mail server", "ftp://x"):
        with pytest.raises(UserInputError, match="https:// URL"):
            discover(sandbox, tmp_path, server=server)
    with pytest.raises(UserInputError):
        discover(sandbox, tmp_path, address="not-an-address")
    with pytest.raises(ExplainedError, match="exited with code 4"):
        settings = settings_for(sandbox, password_command="exit 4")
        discover_ews_url(settings, tmp_path / "c.toml", UPN, server=sandbox.base_url)
    assert autodiscover_requests(sandbox) == []
    assert server_base("mail.contoso.example:8443/x") == "https://mail.contoso.example:8443"
    assert needs_discovery("") and needs_discovery("https://mail.contoso.example/")
    assert not needs_discovery("https://mail.contoso.example/EWS/Exchange.asmx")


def test_answers_are_parsed_safely() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<Autodiscover><Response><Account><Action>settings</Action><Protocol><Type>EXCH</Type>"
        b"<EwsUrl>&b;</EwsUrl></Protocol></Account></Response></Autodiscover>"
    )
    assert parse_answer(bomb).action == "error"
    assert parse_answer(b"<html>IIS welcome</html>").action == "error"
    both = (
        b"<Autodiscover><Response><Account><Action>settings</Action>"
        b"<Protocol><Type>EXPR</Type><EwsUrl>https://ext/EWS/Exchange.asmx</EwsUrl></Protocol>"
        b"<Protocol><Type>EXCH</Type><EwsUrl>https://int/EWS/Exchange.asmx</EwsUrl></Protocol>"
        b"</Account></Response></Autodiscover>"
    )
    assert parse_answer(both).ews_url == "https://int/EWS/Exchange.asmx"  # internal first
    answered = "https://mail.contoso.com/autodiscover/autodiscover.xml"
    assert _redirect_url_ok("https://ad.contoso.com/x", answered, "contoso.com")
    assert _redirect_url_ok("https://mail.contoso.com/other", answered, "contoso.com")
    assert not _redirect_url_ok("https://evil.example/x", answered, "contoso.com")
    assert not _redirect_url_ok("http://ad.contoso.com/x", answered, "contoso.com")


def test_status_finds_the_url_but_is_not_ready_until_saved(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    secrets.store_password("exchange-server", USER, PASSWORD)
    ok, lines = status(settings_for(sandbox, ews_endpoint=sandbox.base_url), tmp_path / "c.toml")
    text = "\n".join(lines)
    assert not ok, text
    assert f"Autodiscover found: {sandbox.ews_endpoint}" in text
    assert "Signed in" in text and f'ews_endpoint = "{sandbox.ews_endpoint}"' in text
    assert PASSWORD not in text


def test_cli_send_and_status_with_only_a_server(sandbox: Sandbox, tmp_path: Path) -> None:
    secrets.store_password("exchange-server", USER, PASSWORD)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""service = "exchange-server"
[exchange_server]
ews_endpoint = "{sandbox.base_url}"
username = 'CONTOSO\\svc-alerts'
auth = "basic"
[network]
ca_bundle = "{sandbox.ca_path}"
[message]
default_from = "{UPN}"
"""
    )
    before = config.read_text()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "alloy_tui", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "TERM": "dumb"},
        )

    r = run("test-send", "--to", "ops@contoso.example")
    # A settings problem (issue 9 item 13): exit 2, naming the key and the wizard.
    assert r.returncode == 2 and "names a server, not the EWS URL" in r.stderr
    assert "Set exchange_server.ews_endpoint: run `alloy-tui`" in r.stderr
    assert sandbox.requests("ews") == []
    r = run("status")
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"Autodiscover found: {sandbox.ews_endpoint}" in r.stdout
    assert "Ready to send: no" in r.stdout and PASSWORD not in r.stdout + r.stderr
    assert config.read_text() == before  # status never writes the config
