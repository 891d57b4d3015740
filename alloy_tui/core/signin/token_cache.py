"""The token cache as an object: the accounts of one app registration in the 0600 cache file,
which of them this config uses, and the housekeeping on them (change account's
`forget_other_accounts`, `health`, `sign_out`). `SignIn` holds one. No msal import here: the
msal-extensions cache opens (through `cache_file`) only when something must be written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import Explanation
from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.core.signin import cache_read as auth_cache
from alloy_tui.core.signin.cache_file import remove_killed_writes
from alloy_tui.core.signin.explain import not_signed_in
from alloy_tui.core.signin.model import Account, TokenHealth

# (refresh worked, one-line detail) for a cached account; SignIn asks MSAL.
RefreshProbe = Callable[[dict[str, Any], Account], tuple[bool, str]]


class AlertFn(Protocol):
    def __call__(self, level: str, event: str, message: str, **details: Any) -> None: ...


class TokenCache:
    """The cached accounts of `settings.exchange_online`'s app, and the one this config uses."""

    def __init__(self, settings: Settings, path: Path, login_host: str, log: AlertFn) -> None:
        self.settings = settings
        self.path = path
        self.login_host = login_host
        self._log = log
        self._msal: Any = None
        self.signed_in = ""  # home_account_id of a sign-in made through this cache object
        # Accounts `forget_other_accounts` removed (change account): their tokens are gone.
        self.replaced: list[str] = []

    def msal_cache(self) -> Any:
        """The msal-extensions cache (locked writes); imports msal."""
        if self._msal is None:
            self._msal = auth_file.open_cache(self.path)
        return self._msal

    def view(self) -> Any:
        """For reads: the MSAL cache once it is open, else a plain snapshot of the file (no msal)."""
        if self._msal is not None:
            return self._msal
        return auth_cache.CacheSnapshot(self.path)

    @property
    def realm(self) -> str:
        """The tenant segment MSAL keys this config's tokens under (see `cached_access_token`)."""
        return self.settings.exchange_online.tenant.strip().lower()

    @property
    def client_id(self) -> str:
        return self.settings.exchange_online.client_id

    def accounts(self) -> list[dict[str, Any]]:
        """MSAL's account records for this login host and app."""
        return auth_cache.accounts(self.view(), self.login_host, self.client_id)

    def current(self) -> dict[str, Any] | None:
        """This process's sign-in, else the configured account, else (none configured) the first."""
        accts = self.accounts()
        if self.signed_in:
            for a in accts:
                if a.get("home_account_id") == self.signed_in:
                    return a
        wanted = self.settings.exchange_online.account.lower()
        if wanted:
            return next((a for a in accts if _username(a).lower() == wanted), None)
        return accts[0] if accts else None

    def account(self, a: dict[str, Any]) -> Account:
        return Account(
            name=auth_cache.display_name(self.view(), a) or _username(a),
            username=_username(a),
            home_account_id=str(a.get("home_account_id", "")),
        )

    def remember_sign_in(self, username: str) -> None:
        """After a device-code sign-in: that account is the current one for this object."""
        wanted = username.lower()
        self.signed_in = ""
        for a in self.accounts():
            if _username(a).lower() == wanted:
                self.signed_in = str(a.get("home_account_id", ""))

    def cached_access_token(self, a: dict[str, Any], scopes: list[str]) -> tuple[str, float] | None:
        """A still-valid access token MSAL itself would use, read without msal."""
        return auth_cache.cached_access_token(self.view(), a, self.client_id, scopes, self.realm)

    def not_signed_in(self, username: str = "") -> Explanation:
        who = username or self.settings.exchange_online.account
        view = self.view()
        damaged = bool(getattr(view, "damaged", False))
        return not_signed_in(self.path, who, damaged, str(getattr(view, "why", "")))

    def forget_other_accounts(self, keep: str) -> list[str]:
        """Change account, second half: once the config naming `keep` (a username) is saved,
        remove every other account of this app registration from the cache, so the cache holds
        one account per app. Returns (and keeps in `replaced`) the usernames removed. Does
        nothing when `keep` is not cached: the only working account is never removed."""
        wanted = keep.strip().lower()
        accts = self.accounts()
        self.replaced = []
        if not wanted or not any(_username(a).lower() == wanted for a in accts):
            return []
        if all(_username(a).lower() == wanted for a in accts):
            return []  # nothing to remove: the msal cache (and msal) is not even opened
        cache = self.msal_cache()
        others = [a for a in self.accounts() if _username(a).lower() != wanted]
        for a in others:
            auth_cache.forget(cache, a)
        self.replaced = [_username(a) for a in others]
        if self.replaced:
            names = ", ".join(self.replaced)
            self._log(
                "info",
                "signin.signed_out",
                f"Signed out {names} (replaced by {keep})",
                account=names,
                replaced_by=keep,
            )
        return list(self.replaced)

    def health(self, scopes: list[str], refresh: RefreshProbe | None) -> TokenHealth:
        """Cached account, access-token expiry for `scopes` and, given `refresh`, whether a
        refresh works now (asked only when a refresh token is cached)."""
        a = self.current()
        if a is None:
            return TokenHealth(None, False, None, None, self.not_signed_in().cause)
        account = self.account(a)
        cached = bool(auth_cache.refresh_tokens(self.view(), a, self.client_id))
        refresh_ok: bool | None = None
        detail = "refresh token cached" if cached else "no refresh token cached"
        if refresh is not None and cached:
            refresh_ok, detail = refresh(a, account)
        expires = auth_cache.access_token_expiry(self.view(), a, self.client_id, self.realm, scopes)
        return TokenHealth(account, cached, expires, refresh_ok, detail)

    def sign_out(self) -> None:
        """Forget the current account (every other account too when none is configured)."""
        cache = self.msal_cache()
        a = self.current()
        targets = [a] if a else self.accounts()
        for t in targets:
            auth_cache.forget(cache, t)
        remove_killed_writes(self.path)
        self.signed_in = ""
        names = ", ".join(_username(t) for t in targets) or "(none)"
        self._log("info", "signin.signed_out", f"Signed out {names}", account=names)


def _username(a: dict[str, Any]) -> str:
    return str(a.get("username", ""))
