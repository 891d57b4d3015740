"""Microsoft sign-in: MSAL device-code flow as a public client, silent tokens, sign-out.

The token cache file (msal-extensions, 0600) is the only place a token lives; nothing here
puts a token in an exception, a log entry or a return value other than `get_token`.
msal and httpx load inside the methods that need them.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Settings, paths
from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation, UserInputError
from alloy_tui.core.net import clouds
from alloy_tui.core.signin.cache_read import login_host
from alloy_tui.core.signin.model import (
    AccessToken,
    Account,
    DeviceCode,
    SignInCancelled,
    TokenHealth,
    _alert,
    check_app_settings,
    signin_context,
)
from alloy_tui.core.signin.token_cache import TokenCache

if TYPE_CHECKING:
    import msal  # no type information: the name tells the reader, mypy sees Any

    from alloy_tui.core.explain import ExplainContext

__all__ = [
    "AccessToken",
    "Account",
    "DeviceCode",
    "SignIn",
    "SignInCancelled",
    "TokenHealth",
    "check_app_settings",
]


class SignIn:
    """Device-code sign-in and silent tokens for the configured app registration.

    The accounts and tokens live in `tokens` (a `TokenCache`); `forget_other_accounts`,
    `token_health` and `sign_out` hand over to it.
    """

    def __init__(self, settings: Settings, config_path: Path) -> None:
        self.settings = settings
        self.config_path = config_path
        self.endpoints = clouds.endpoints(settings)
        self.cache_path = paths.token_cache_path(settings.exchange_online.token_cache, config_path)
        self.tokens = TokenCache(settings, self.cache_path, self.login_host, self._log)
        self._app: Any = None
        self._http: Any = None
        self._flow: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    @property
    def login_host(self) -> str:
        return login_host(self.endpoints.login)

    def explain_context(self, account: str = "") -> ExplainContext:
        return signin_context(
            self.settings, self.endpoints.login, account or self.settings.exchange_online.account
        )

    @property
    def replaced(self) -> list[str]:
        """Accounts `forget_other_accounts` removed (change account): their tokens are gone."""
        return self.tokens.replaced

    def _application(self) -> msal.PublicClientApplication:
        """The MSAL public client (built once; its constructor fetches OIDC metadata)."""
        with self._lock:
            if self._app is not None:
                return self._app
            check_app_settings(self.settings)
            from alloy_tui.core import net

            net.guard_loggers()  # before msal logs anything: no token or device code in logs
            import msal

            eo = self.settings.exchange_online
            self._http = net.http_client(self.settings, self.config_path)
            kwargs: dict[str, Any] = {}
            if self.endpoints.login_overridden:
                # The admin named the host; MSAL must not ask login.microsoftonline.com about it.
                kwargs["instance_discovery"] = False
            try:
                self._app = msal.PublicClientApplication(
                    eo.client_id,
                    authority=self.endpoints.authority(eo.tenant),
                    http_client=self._http,
                    token_cache=self.tokens.msal_cache(),
                    **kwargs,
                )
            except ValueError as e:
                raise ExplainedError(self._explain_discovery(e)) from None
            except AlloyError:
                raise
            except Exception as e:  # network: DNS, TLS, refused, timeout
                raise ExplainedError(self._explain_exc(e)) from None
            return self._app

    def _explain_discovery(self, e: ValueError) -> Explanation:
        from alloy_tui.core.explain import explain_aad, explain_msal_value_error

        ex = explain_msal_value_error(e, self.explain_context())
        if ex is not None:
            return ex
        text = str(e)
        m = re.search(r"AADSTS(\d+)", text)
        err: dict[str, object] = {"error": "invalid_request", "error_description": text}
        if m:
            err["error_codes"] = [int(m.group(1))]
        return explain_aad(err, self.explain_context())

    def _explain_exc(self, e: BaseException) -> Explanation:
        from alloy_tui.core.explain import explain

        return explain(e, self.explain_context())

    def _explain_result(self, result: dict[str, Any], account: str = "") -> Explanation:
        from alloy_tui.core.explain import explain_aad

        return explain_aad(result, self.explain_context(account))

    def _log(self, level: str, event: str, message: str, **details: Any) -> None:
        eo = self.settings.exchange_online
        base = {"client_id": eo.client_id, "tenant": eo.tenant, "cloud": eo.cloud, "api": eo.api}
        base.update(details)
        _alert(self.settings, self.config_path, level, event, message, base)

    # ------------------------------------------------------------------ contract
    def current_account(self) -> Account | None:
        """The signed-in account from the cache (no network)."""
        a = self.tokens.current()
        return self.tokens.account(a) if a else None

    def sign_in_scopes(self) -> list[str]:
        return clouds.scopes(self.settings, self.settings.exchange_online.api)

    def start_device_flow(self) -> DeviceCode:
        """Ask the service for a user code; raises ExplainedError (or UserInputError)."""
        self._log("info", "signin.started", "Device-code sign-in started")
        try:
            app = self._application()
            try:
                flow = app.initiate_device_flow(scopes=self.sign_in_scopes())
            except AlloyError:
                raise
            except Exception as e:  # MsalServiceError (5xx), network errors
                raise ExplainedError(self._explain_exc(e)) from None
            if "user_code" not in flow:
                raise ExplainedError(self._explain_result(flow))
        except (ExplainedError, UserInputError) as e:
            self._log_failure(e)
            raise
        self._flow = flow
        return DeviceCode(
            user_code=str(flow["user_code"]),
            verification_uri=str(flow.get("verification_uri") or flow.get("verification_url", "")),
            expires_at=float(
                flow.get("expires_at") or time.time() + float(flow.get("expires_in", 900))
            ),
            message=str(flow.get("message", "")),
        )

    def _log_failure(self, e: BaseException) -> None:
        if isinstance(e, ExplainedError):
            ex = e.explanation
            self._log(
                "error",
                "signin.failed",
                f"Sign-in failed: {ex.title}",
                error_code=ex.code,
                error=ex.cause,
            )
        else:
            self._log("error", "signin.failed", f"Sign-in failed: {e}", error_code="input")

    def wait_for_device_flow(self, cancel: threading.Event) -> Account:
        """Poll until the code is entered, the code expires, or `cancel` is set (within ~1 s)."""
        flow = self._flow
        if flow is None:
            raise UserInputError("No sign-in in progress: start the device flow first.")
        app = self._application()

        def stop(f: dict[str, Any]) -> bool:
            return cancel.is_set() or float(f.get("expires_at", 0)) < time.time()

        try:
            try:
                result = app.acquire_token_by_device_flow(flow, exit_condition=stop)
            except AlloyError:
                raise
            except Exception as e:
                raise ExplainedError(self._explain_exc(e)) from None
            if cancel.is_set():
                self._log("info", "signin.cancelled", "Sign-in cancelled")
                raise SignInCancelled("Sign-in cancelled.")
            if "access_token" not in result:
                if result.get("error") in ("authorization_pending", "slow_down"):
                    result = {
                        "error": "expired_token",
                        "error_description": "AADSTS70019: the device code expired before it was entered.",
                        "error_codes": [70019],
                    }
                raise ExplainedError(self._explain_result(result))
        except (ExplainedError, UserInputError) as e:
            self._log_failure(e)
            raise
        finally:
            self._flow = None
        claims = result.get("id_token_claims") or {}
        username = str(claims.get("preferred_username") or claims.get("upn") or "")
        self.tokens.remember_sign_in(username)
        account = Account(
            name=str(claims.get("name") or username),
            username=username,
            home_account_id=self.tokens.signed_in,
        )
        self._log("info", "signin.succeeded", f"Signed in as {username}", account=username)
        # Other accounts of this app stay cached: a config that still names one of them keeps
        # sending until the config naming this account is saved (then `forget_other_accounts`).
        return account

    def get_token_info(self, resource: str, *, force_refresh: bool = False) -> AccessToken:
        """A valid access token for "graph" or "ews", silently (refreshing as needed)."""
        check_app_settings(self.settings)
        a = self.tokens.current()
        if a is None:
            raise ExplainedError(self.not_signed_in())
        scopes = clouds.scopes(self.settings, resource)
        if not force_refresh:
            hit = self.tokens.cached_access_token(a, scopes)
            if hit is not None:
                return AccessToken(hit[0], hit[1])
        app = self._application()
        try:
            result = app.acquire_token_silent_with_error(
                scopes, account=a, force_refresh=force_refresh
            )
        except AlloyError:
            raise
        except Exception as e:
            raise ExplainedError(self._explain_exc(e)) from None
        if result is None:
            raise ExplainedError(self.not_signed_in(str(a.get("username", ""))))
        if "access_token" not in result:
            username = str(a.get("username", ""))
            raise ExplainedError(self._explain_silent(result, username, resource, a))
        expires_in = float(result.get("expires_in") or 0)
        return AccessToken(str(result["access_token"]), time.time() + expires_in)

    def _explain_silent(
        self, result: dict[str, Any], username: str, resource: str, a: dict[str, Any]
    ) -> Explanation:
        from alloy_tui.core.signin.explain import delegation_consent

        ex = self._explain_result(result, username)
        if resource == "graph" and self.settings.exchange_online.from_delegation:
            ex = delegation_consent(ex, result, self.settings, self.tokens.view(), a, username)
        return ex

    def get_token(self, resource: str) -> str:
        return self.get_token_info(resource).token

    def username(self) -> str:
        a = self.tokens.current()
        return str(a.get("username", "")) if a else ""

    def not_signed_in(self, username: str = "") -> Explanation:
        return self.tokens.not_signed_in(username)

    # ------------------------------------------------------------------ the cached accounts
    def forget_other_accounts(self, keep: str) -> list[str]:
        """Change account, second half: see `TokenCache.forget_other_accounts`."""
        return self.tokens.forget_other_accounts(keep)

    def token_health(self, check_refresh: bool = True) -> TokenHealth:
        """Cached account, access-token expiry and (optionally) whether a refresh works now."""
        scopes = clouds.scopes(self.settings, self.settings.exchange_online.api)
        return self.tokens.health(scopes, self._refresh_works if check_refresh else None)

    def sign_out(self) -> None:
        """Forget the current account (every other account too when none is configured)."""
        self.tokens.sign_out()

    def _refresh_works(self, a: dict[str, Any], account: Account) -> tuple[bool, str]:
        """Ask MSAL for a fresh access token now: (worked, one-line detail)."""
        scopes = clouds.scopes(self.settings, self.settings.exchange_online.api)
        try:
            result = self._application().acquire_token_silent_with_error(
                scopes, account=a, force_refresh=True
            )
        except ExplainedError as e:
            return False, e.explanation.one_line()
        except UserInputError as e:
            return False, str(e)
        except Exception as e:
            return False, self._explain_exc(e).one_line()
        if result and "access_token" in result:
            return True, "token refresh works"
        ex = self._explain_result(result) if result else self.not_signed_in(account.username)
        return False, ex.one_line()
