"""Sign-in, second part: the accounts in the token cache. Change account's
`forget_other_accounts`, `token_health` and `sign_out`, mixed into `auth.SignIn` (which owns
the cache, the MSAL app and the explain helpers these use). No msal import here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.net import clouds
from alloy_tui.core.signin import cache_read as auth_cache
from alloy_tui.core.signin.cache_file import remove_killed_writes
from alloy_tui.core.signin.model import Account, TokenHealth


class AccountsMixin:
    """Cached-account housekeeping for `SignIn`."""

    settings: Settings
    config_path: Path
    cache_path: Path
    replaced: list[str]
    _signed_in: str

    if TYPE_CHECKING:

        @property
        def realm(self) -> str: ...
        def cache(self) -> Any: ...
        def view(self) -> Any: ...
        def _application(self) -> Any: ...
        def _explain_exc(self, e: BaseException) -> Explanation: ...
        def _explain_result(self, result: dict[str, Any], account: str = "") -> Explanation: ...
        def _msal_accounts(self) -> list[dict[str, Any]]: ...
        def _current(self) -> dict[str, Any] | None: ...
        def _account(self, a: dict[str, Any]) -> Account: ...
        def _log(self, level: str, event: str, message: str, **details: Any) -> None: ...
        def not_signed_in(self, username: str = "") -> Explanation: ...

    def forget_other_accounts(self, keep: str) -> list[str]:
        """Change account, second half: once the config naming `keep` (a username) is saved,
        remove every other account of this app registration from the cache, so the cache holds
        one account per app. Returns (and keeps in `replaced`) the usernames removed. Does
        nothing when `keep` is not cached: the only working account is never removed."""
        wanted = keep.strip().lower()
        accts = self._msal_accounts()
        if not wanted or not any(str(a.get("username", "")).lower() == wanted for a in accts):
            self.replaced = []
            return []
        if all(str(a.get("username", "")).lower() == wanted for a in accts):
            self.replaced = []
            return []  # nothing to remove: the msal cache (and msal) is not even opened
        cache = self.cache()
        others = [a for a in self._msal_accounts() if str(a.get("username", "")).lower() != wanted]
        for a in others:
            auth_cache.forget(cache, a)
        self.replaced = [str(a.get("username", "")) for a in others]
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

    def token_health(self, check_refresh: bool = True) -> TokenHealth:
        """Cached account, access-token expiry and (optionally) whether a refresh works now."""
        a = self._current()
        if a is None:
            return TokenHealth(None, False, None, None, self.not_signed_in().cause)
        account = self._account(a)
        resource = self.settings.exchange_online.api
        cached = bool(
            auth_cache.refresh_tokens(self.view(), a, self.settings.exchange_online.client_id)
        )
        refresh_ok: bool | None = None
        detail = "refresh token cached" if cached else "no refresh token cached"
        if check_refresh and cached:
            try:
                app = self._application()
                result = app.acquire_token_silent_with_error(
                    clouds.scopes(self.settings, resource), account=a, force_refresh=True
                )
                if result and "access_token" in result:
                    refresh_ok, detail = True, "token refresh works"
                else:
                    refresh_ok = False
                    ex = (
                        self._explain_result(result)
                        if result
                        else self.not_signed_in(account.username)
                    )
                    detail = ex.one_line()
            except (ExplainedError, UserInputError) as e:
                refresh_ok = False
                detail = e.explanation.one_line() if isinstance(e, ExplainedError) else str(e)
            except Exception as e:
                refresh_ok = False
                detail = self._explain_exc(e).one_line()
        expires = auth_cache.access_token_expiry(
            self.view(),
            a,
            self.settings.exchange_online.client_id,
            self.realm,
            clouds.scopes(self.settings, resource),
        )
        return TokenHealth(account, cached, expires, refresh_ok, detail)

    def sign_out(self) -> None:
        """Forget the current account (every other account too when none is configured)."""
        cache = self.cache()
        a = self._current()
        targets = [a] if a else self._msal_accounts()
        for t in targets:
            auth_cache.forget(cache, t)
        remove_killed_writes(self.cache_path)
        self._signed_in = ""
        names = ", ".join(str(t.get("username", "")) for t in targets) or "(none)"
        self._log("info", "signin.signed_out", f"Signed out {names}", account=names)
