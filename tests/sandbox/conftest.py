"""Fixtures for the sandbox tests: a running sandbox, real msal/httpx clients that trust its CA."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from alloy_tui.sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def ssl_ctx(sandbox: Sandbox) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(sandbox.ca_path))


def new_app(sandbox: Sandbox, ctx: ssl.SSLContext, client_id: str | None = None) -> Any:
    """A fresh PublicClientApplication (msal replays 400s for 60 s within one app)."""
    import httpx
    import msal

    return msal.PublicClientApplication(
        client_id or sandbox.client_id,
        authority=sandbox.authority,
        instance_discovery=False,
        http_client=httpx.Client(verify=ctx),
    )


@pytest.fixture
def app_factory(sandbox: Sandbox, ssl_ctx: ssl.SSLContext) -> Callable[..., Any]:
    return lambda client_id=None: new_app(sandbox, ssl_ctx, client_id)


@pytest.fixture
def sign_in(sandbox: Sandbox, ssl_ctx: ssl.SSLContext) -> Callable[..., dict[str, Any]]:
    """Device flow approved at once (auto-approve 0): returns msal's token result."""

    def run(scopes: list[str], account: str = "alerts@contoso.example") -> dict[str, Any]:
        sandbox.auto_approve_after, sandbox.auto_approve_account = 0, account
        app = new_app(sandbox, ssl_ctx)
        flow = app.initiate_device_flow(scopes)
        result = app.acquire_token_by_device_flow(flow)
        assert "access_token" in result, result
        result["_app"] = app
        return result

    return run


@pytest.fixture
def http(ssl_ctx: ssl.SSLContext) -> Iterator[Any]:
    import httpx

    with httpx.Client(verify=ssl_ctx, timeout=10) as client:
        yield client


@pytest.fixture
def ews_trust(sandbox: Sandbox) -> Iterator[None]:
    """exchangelib (requests) trusts the sandbox CA for 127.0.0.1 only; restored afterwards."""
    import requests.adapters
    from exchangelib.protocol import BaseProtocol

    ca = str(sandbox.ca_path)

    class LoopbackCAAdapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, **kw: Any) -> Any:
            if urlsplit(request.url).hostname == "127.0.0.1":
                kw["verify"] = ca
            return super().send(request, **kw)

    old = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = LoopbackCAAdapter
    try:
        yield
    finally:
        BaseProtocol.HTTP_ADAPTER_CLS = old
