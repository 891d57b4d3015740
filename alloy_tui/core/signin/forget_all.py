"""`logout` when the service does not sign in to Microsoft (SMTP, Exchange Server), or to clear
what another mode or another app left: every Microsoft token in the token cache is forgotten,
whichever app or account it belongs to. The cache file is alloy-tui's own (0600); nothing is
asked of the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from alloy_tui.core.config import Settings, paths


class Forgotten(NamedTuple):
    cache_path: Path
    accounts: list[str]  # the user accounts whose tokens were removed
    app_tokens: int  # app-only (certificate) access tokens removed


def forget_all_tokens(settings: Settings, config_path: Path) -> Forgotten:
    """Remove every account (its refresh, access and ID tokens) and every app token from the
    token cache `settings` names, and the temp files a killed write left (each may hold a refresh
    token). A cache that does not exist holds nothing: nothing is created."""
    from alloy_tui.core.signin import cache_file, cache_read

    path = paths.token_cache_path(settings.exchange_online.token_cache, config_path)
    if not path.exists():
        return Forgotten(path, [], 0)
    cache: Any = cache_file.open_cache(path)
    accounts = list(cache.search(cache_read.ACCOUNT))
    for account in accounts:
        cache_read.forget(cache, account)
    app_tokens = [
        item
        for item in cache.search(cache_read.ACCESS_TOKEN)
        if not item.get("home_account_id")  # an app's token (client credentials): no user
    ]
    for item in app_tokens:
        cache.remove_at(item)
    cache_file.remove_killed_writes(path)
    names = sorted({str(a.get("username", "")) for a in accounts if a.get("username")})
    return Forgotten(path, names, len(app_tokens))
