"""Helpers for the Microsoft 365 tests: settings pointing at a real sandbox, quick sign-in.

Everything runs for real (msal, httpx, exchangelib over HTTPS to the sandbox); nothing is patched.
The fixture `signed_in` (signed in once per module, a template whose token cache each test
copies) and the sandbox it uses, `sb` (tests/helpers/sandboxes.py's `plain_sb`), reach tests
through their folder's conftest.py.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox

ACCOUNT = "alerts@contoso.example"


def settings_for(sb: Sandbox, workdir: Path, *, api: str = "graph", **eo: Any) -> Settings:
    s = Settings()
    s = s.with_section(
        "exchange_online",
        api=api,
        tenant=sb.tenant,
        client_id=sb.client_id,
        token_cache=str(workdir / "cache" / "token_cache.json"),
        login_endpoint=sb.login_endpoint,
        graph_endpoint=sb.graph_endpoint,
        ews_endpoint=sb.ews_endpoint,
        **eo,
    )
    s = s.with_section("network", ca_bundle=str(sb.ca_path), timeout=10.0)
    return s.with_section("alert_log", path=str(workdir / "alert_log.jsonl"))


def sign_in(sb: Sandbox, settings: Settings, config_path: Path, account: str = ACCOUNT) -> SignIn:
    """Device flow approved by the sandbox at once; returns the SignIn used."""
    signin = SignIn(settings, config_path)
    code = signin.start_device_flow()
    sb.approve(code.user_code, account)
    got = signin.wait_for_device_flow(threading.Event())
    assert got.username == account
    return signin


def signed_in_at(sb: Sandbox, tmp_path: Path, **eo: Any) -> tuple[Settings, Path]:
    """settings_for(sb, tmp_path, **eo), signed in with <tmp_path>/config.toml: both."""
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path, **eo)
    sign_in(sb, s, cfg)
    return s, cfg


def token_cached_at(sb: Sandbox, tmp_path: Path, api: str, base_url: str) -> tuple[Settings, Path]:
    """Signed in with a token for `api` in the cache (so the send itself is the only request),
    then `api`'s endpoint moved to `base_url` (EWS: its /EWS/Exchange.asmx): the settings and
    <tmp_path>/config.toml."""
    s, cfg = signed_in_at(sb, tmp_path, api=api)
    SignIn(s, cfg).get_token(api)
    key, url = (
        ("graph_endpoint", base_url)
        if api == "graph"
        else ("ews_endpoint", f"{base_url}/EWS/Exchange.asmx")
    )
    return s.with_section("exchange_online", **{key: url}), cfg


def copy_cache(src: Settings, dst_dir: Path) -> Path:
    """Copy a signed-in token cache so a test starts signed in without a device flow."""
    src_path = Path(src.exchange_online.token_cache)
    dst = dst_dir / "cache" / "token_cache.json"
    dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copy2(src_path, dst)
    return dst


def signed_in_template(
    sb: Sandbox, tmp_path_factory: pytest.TempPathFactory, **eo: Any
) -> Settings:
    """Signed in once (device flow) in a folder of its own; `eo`: as for settings_for."""
    d = tmp_path_factory.mktemp("template")
    s = settings_for(sb, d, **eo)
    sign_in(sb, s, d / "config.toml")
    return s


def fresh_settings(sb: Sandbox, signed_in: Settings, tmp_path: Path, **eo: Any) -> Settings:
    """A test's own folder, signed in (the template's token cache copied), with the sandbox's
    scenarios and recorded requests cleared; `eo`: as for settings_for."""
    sb.clear_scenarios()
    sb.clear_requests()
    copy_cache(signed_in, tmp_path)
    return settings_for(sb, tmp_path, **eo)


@pytest.fixture(scope="module")
def signed_in(sb: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return signed_in_template(sb, tmp_path_factory)


def log_entries(settings: Settings) -> list[dict[str, Any]]:
    p = Path(settings.alert_log.path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def requests_of(sb: Sandbox, api: str) -> list[Any]:
    return sb.requests(api)


@pytest.fixture(name="settings")
def signed_in_settings(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Iterator[Settings]:
    """Settings of this test's own, signed in (a copy of the module's `signed_in` cache)."""
    yield fresh_settings(sb, signed_in, tmp_path)
    sb.clear_scenarios()


@pytest.fixture(name="settings")
def queued_settings(sb: Sandbox, signed_in: Settings, tmp_path: Path) -> Iterator[Settings]:
    """`signed_in_settings` with the outbox in tmp_path and pacing off."""
    yield fresh_settings(sb, signed_in, tmp_path).with_section(
        "queue", path=str(tmp_path / "queue"), max_per_minute=0
    )
    sb.clear_scenarios()
