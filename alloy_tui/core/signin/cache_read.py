"""The token cache file: msal-extensions persistence, mode 0600, read without the network.

The cache file is the only place a token lives. Opening it for writes (msal-extensions
persistence, its lock, modes, a damaged file) is in `auth_file`; this module reads it: the
accounts, tokens and expiries MSAL keeps, with the same matching rules MSAL uses.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from alloy_tui.core.signin.cache_shape import MAX_CACHE_BYTES as MAX_CACHE_BYTES
from alloy_tui.core.signin.cache_shape import Damaged, parse_cache, read_bounded

# Aliases MSAL treats as the worldwide cloud (the cache's "environment" is the login host).
_GLOBAL_ALIASES = {
    "login.microsoftonline.com",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
}


# MSAL's unified cache schema: top-level sections of the cache JSON.
ACCOUNT = "Account"
ACCESS_TOKEN = "AccessToken"
REFRESH_TOKEN = "RefreshToken"
ID_TOKEN = "IdToken"


class CacheView(Protocol):
    """What the readers here need: MSAL's TokenCache and `CacheSnapshot` both have it."""

    def search(
        self, kind: str, query: dict[str, Any] | None = None, now: float | None = None
    ) -> Iterable[dict[str, Any]]: ...


class TokenCache(CacheView, Protocol):
    """MSAL's TokenCache as `forget` uses it (msal itself has no type information)."""

    def remove_rt(self, rt_item: dict[str, Any]) -> None: ...
    def remove_at(self, at_item: dict[str, Any]) -> None: ...
    def remove_idt(self, idt_item: dict[str, Any]) -> None: ...
    def remove_account(self, account_item: dict[str, Any]) -> None: ...


class CacheSnapshot:
    """Read-only view of the cache file without importing msal (the fast path for `status`,
    the wizard and sends with a still-valid access token). Same `search` shape as MSAL's cache.
    Writes (sign-in, refresh, sign-out) always go through msal-extensions and its lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self.damaged = False  # the file is there but is not a token cache (see `open_cache`)
        self.why = ""  # why it is damaged, in words
        try:
            raw = read_bounded(path)
            self.data = parse_cache(raw) if raw is not None else {}
        except Damaged as e:
            self.damaged, self.why = True, str(e)

    def search(
        self, kind: str, query: dict[str, Any] | None = None, now: float | None = None
    ) -> list[dict[str, Any]]:
        section = self.data.get(kind)
        if not isinstance(section, dict):
            return []
        out = []
        for entry in section.values():
            if not isinstance(entry, dict):
                continue
            if query and any(entry.get(k) != v for k, v in query.items()):
                continue
            if kind == ACCESS_TOKEN and now is not None:
                try:
                    if float(entry.get("expires_on", 0)) < now:
                        continue
                except (TypeError, ValueError):
                    continue
            out.append(entry)
        return out


def login_host(login_endpoint: str) -> str:
    """The host MSAL keys cached tokens under (the login endpoint's, lower case)."""
    from urllib.parse import urlsplit

    return (urlsplit(login_endpoint).hostname or "").lower()


def same_environment(env: str | None, login_host: str) -> bool:
    env, login_host = str(env or "").lower(), login_host.lower()
    if env == login_host:
        return True
    return env in _GLOBAL_ALIASES and login_host in _GLOBAL_ALIASES


def accounts(cache: CacheView, login_host: str, client_id: str = "") -> list[dict[str, Any]]:
    """Account entries for this login host that hold a refresh token for `client_id`."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in cache.search(ACCOUNT):
        hid = a.get("home_account_id", "")
        if hid in seen or not same_environment(a.get("environment", ""), login_host):
            continue
        if client_id and not refresh_tokens(cache, a, client_id):
            continue
        seen.add(hid)
        out.append(a)
    return out


def refresh_tokens(
    cache: CacheView, account: dict[str, Any], client_id: str
) -> list[dict[str, Any]]:
    q = {
        "home_account_id": account.get("home_account_id"),
        "environment": account.get("environment"),
    }
    return [
        rt
        for rt in cache.search(REFRESH_TOKEN, query=q)
        if not client_id or rt.get("client_id") == client_id
    ]


def _usable_access_tokens(
    cache: CacheView,
    account: dict[str, Any],
    client_id: str,
    realm: str,
    scopes: list[str],
    now: float,
) -> Iterable[tuple[str, float, float]]:
    """(secret, expires_on, refresh_on) of each cached access token MSAL itself would accept
    for this account, app, tenant and scopes: same account (home_account_id), same login
    environment, same client id, same realm (the tenant the token was issued in), every wanted
    scope in its target, a plain Bearer token."""
    q = {
        "home_account_id": account.get("home_account_id"),
        "environment": account.get("environment"),
        "client_id": client_id,
    }
    wanted = {s.lower() for s in scopes}
    for at in cache.search(ACCESS_TOKEN, query=q, now=now):
        target = {t.lower() for t in str(at.get("target", "")).split()}
        if (
            not wanted
            or not wanted <= target
            or str(at.get("realm", "")).lower() != realm.lower()
            or not realm
            or "ext_cache_key" in at
            or "key_id" in at
            or str(at.get("token_type", "Bearer")).lower() != "bearer"
        ):
            continue
        try:
            exp = float(at.get("expires_on", 0))
            refresh_on = float(at.get("refresh_on", exp))
        except (TypeError, ValueError):
            continue
        yield str(at.get("secret", "")), exp, refresh_on


def access_token_expiry(
    cache: CacheView, account: dict[str, Any], client_id: str, realm: str, scopes: list[str]
) -> float | None:
    """The latest expiry (epoch seconds) of a cached access token for these scopes."""
    found = [
        exp
        for _, exp, _ in _usable_access_tokens(
            cache, account, client_id, realm, scopes, time.time()
        )
    ]
    return max(found) if found else None


def cached_access_token(
    cache: CacheView,
    account: dict[str, Any],
    client_id: str,
    scopes: list[str],
    realm: str,
    min_valid: float = 300.0,
) -> tuple[str, float] | None:
    """A cached access token covering `scopes` with at least `min_valid` seconds left, read
    straight from MSAL's cache (same rule as MSAL: under 5 minutes left counts as expired, and
    a token past its refresh_on is refreshed). `realm` is the tenant segment MSAL keys the token
    under; only a token of that tenant is used (for a tenant given as a domain name MSAL keys by
    the tenant id it discovers, so the fast path misses and MSAL decides).

    Saves building the MSAL app (and its OIDC discovery request) when nothing needs refreshing.
    """
    now = time.time()
    best: tuple[str, float] | None = None
    for secret, exp, refresh_on in _usable_access_tokens(
        cache, account, client_id, realm, scopes, now
    ):
        if exp - now < min_valid or refresh_on < now or not secret:
            continue
        if best is None or exp > best[1]:
            best = (secret, exp)
    return best


def display_name(cache: CacheView, account: dict[str, Any]) -> str:
    """The account's display name, from its cached ID token claims ('' when unknown)."""
    q = {
        "home_account_id": account.get("home_account_id"),
        "environment": account.get("environment"),
    }
    for idt in cache.search(ID_TOKEN, query=q):
        claims = decode_claims(str(idt.get("secret", "")))
        if claims.get("name"):
            return str(claims["name"])
    return ""


def decode_claims(jwt: str) -> dict[str, Any]:
    parts = jwt.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def forget(cache: TokenCache, account: dict[str, Any]) -> None:
    """Remove every token and the account entry for one account (no network needed)."""
    q = {
        "home_account_id": account.get("home_account_id"),
        "environment": account.get("environment"),
    }
    removers: Iterable[tuple[str, Callable[[dict[str, Any]], None]]] = (
        (REFRESH_TOKEN, cache.remove_rt),
        (ACCESS_TOKEN, cache.remove_at),
        (ID_TOKEN, cache.remove_idt),
        (ACCOUNT, cache.remove_account),
    )
    for kind, remove in removers:
        for item in list(cache.search(kind, query=q)):
            remove(item)
