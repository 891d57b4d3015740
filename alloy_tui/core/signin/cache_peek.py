"""The saved sign-in as the token cache holds it, read without msal, the sign-in machinery or
the network: which account of this app registration is signed in. For `status --check`, which
runs every minute on every server; `SignIn.token_health` says the same with more detail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from alloy_tui.core.config import paths, setting
from alloy_tui.core.net import clouds
from alloy_tui.core.signin.cache_read import CacheSnapshot, accounts, login_host

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings, Values


class Peek(NamedTuple):
    username: str  # the signed-in account; "" when no account of this app holds a refresh token
    cache_path: Path
    damaged: str  # why the file at cache_path is not a token cache ("" when it is one)


def peek(settings: Settings | Values, config_path: Path) -> Peek:
    """Who is signed in, as `SignIn(settings).tokens.current()` would find them. LocalProblem
    when the cache exists but this user may not read it."""
    cache_path = paths.token_cache_path(
        setting(settings, "exchange_online.token_cache"), config_path
    )
    login = str(setting(settings, "exchange_online.login_endpoint")).strip().rstrip("/")
    login = login or clouds.CLOUDS[setting(settings, "exchange_online.cloud")].login
    view = CacheSnapshot(cache_path)
    found = accounts(view, login_host(login), str(setting(settings, "exchange_online.client_id")))
    wanted = str(setting(settings, "exchange_online.account")).lower()
    names = [str(a.get("username", "")) for a in found]
    if wanted:
        names = [n for n in names if n.lower() == wanted]
    return Peek(names[0] if names else "", cache_path, view.why if view.damaged else "")
