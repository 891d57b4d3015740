"""The token cache as an object (`TokenCache`, held by `SignIn`): the cached accounts of this
app, which one the config uses, health, change account and sign-out, read without msal.
Signed in for real against the sandbox (msal, httpx); nothing is patched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from alloy_tui.core.signin.client import SignIn
from alloy_tui.core.signin.token_cache import TokenCache
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import ACCOUNT, settings_for, sign_in

OTHER = "ops@contoso.example"


def _cache(signin: SignIn, settings: Any) -> tuple[TokenCache, list[str]]:
    """A TokenCache of its own on the same file, and the alert-log events it reports."""
    events: list[str] = []

    def log(level: str, event: str, message: str, **details: Any) -> None:
        events.append(event)

    return TokenCache(settings, signin.cache_path, signin.login_host, log), events


def test_sign_in_holds_one_token_cache_and_hands_over(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path)
    signin = sign_in(sb, s, cfg)
    assert isinstance(signin.tokens, TokenCache) and signin.tokens.path == signin.cache_path
    assert signin.tokens.signed_in and signin.current_account().username == ACCOUNT  # type: ignore[union-attr]
    sign_in(sb, s.with_section("exchange_online", account=ACCOUNT), cfg, account=OTHER)
    signin.forget_other_accounts(keep=ACCOUNT)
    assert signin.replaced is signin.tokens.replaced and signin.replaced == [OTHER]


def test_a_token_cache_alone_reads_accounts_and_health(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path, account=ACCOUNT)
    signin = sign_in(sb, s, cfg)
    cache, events = _cache(signin, s)
    assert [a["username"] for a in cache.accounts()] == [ACCOUNT]
    current = cache.current()
    assert current is not None and cache.account(current).username == ACCOUNT
    probed: list[str] = []

    def probe(a: dict[str, Any], account: Any) -> tuple[bool, str]:
        probed.append(account.username)
        return True, "token refresh works"

    health = cache.health(signin.sign_in_scopes(), probe)
    assert health.cached and health.refresh_ok and health.access_expires_at and probed == [ACCOUNT]
    assert cache.health(signin.sign_in_scopes(), None).refresh_ok is None
    cache.sign_out()
    assert cache.accounts() == [] and events == ["signin.signed_out"]
    gone = cache.health(signin.sign_in_scopes(), probe)
    assert gone.account is None and not gone.cached and probed == [ACCOUNT]


def test_reading_the_cache_imports_no_msal(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path, account=ACCOUNT)
    sign_in(sb, s, cfg)
    code = (
        "import sys\n"
        "from alloy_tui.core.config import Settings\n"
        "from alloy_tui.core.signin import SignIn\n"
        f"s = Settings().with_section('exchange_online', tenant={sb.tenant!r}, client_id={sb.client_id!r}, "
        f"token_cache={s.exchange_online.token_cache!r}, account={ACCOUNT!r}, login_endpoint={sb.login_endpoint!r})\n"
        f"signin = SignIn(s, __import__('pathlib').Path({str(cfg)!r}))\n"
        "assert signin.current_account().username == " + repr(ACCOUNT) + "\n"
        "h = signin.token_health(check_refresh=False)\n"
        "assert h.cached and h.refresh_ok is None\n"
        "assert 'msal' not in sys.modules, 'msal imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
