"""App-only sign-in: MSAL's confidential client with the certificate (client credentials).

Same surface as `SignIn` where the senders use it (`username`, `get_token_info`, `cache_path`,
`explain_context`), so the Graph and EWS transports send as `exchange_online.mailbox`. App
tokens live only in the token cache (0600), next to any delegated ones; a cached token still
valid for 5 minutes is read without msal (no request at all). MSAL hands the client assertion to
its HTTP client as bytes; `FormTextHttpClient` sends it as text (httpx would send ``b'eyJ...'``,
which Entra ID refuses with AADSTS50027).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alloy_tui.core.config import Settings, paths
from alloy_tui.core.errors import AlloyError, ExplainedError, Explanation, UserInputError
from alloy_tui.core.net import clouds
from alloy_tui.core.signin import cache_file, cache_read, certificate
from alloy_tui.core.signin.cache_read import login_host
from alloy_tui.core.signin.model import (
    AccessToken,
    Account,
    _alert,
    check_app_settings,
    signin_context,
)

if TYPE_CHECKING:
    import httpx
    import msal  # untyped

    from alloy_tui.core.explain import AppHints, ExplainContext


class FormTextHttpClient:
    """The HTTP client MSAL gets: httpx, with bytes form values (the assertion) sent as text."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def post(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if isinstance(data, dict):
            data = {k: v.decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}
        return self._client.post(url, params=params, data=data, headers=headers, **kwargs)

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._client.get(url, params=params, headers=headers, **kwargs)

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True)
class AppToken:
    """What `login` and `status` show about an acquired app token (never the token itself)."""

    expires_at: float
    roles: tuple[str, ...]
    from_cache: bool


def check_app_only_settings(settings: Settings) -> None:
    """Client id, tenant, mailbox and certificate set, before any request."""
    check_app_settings(settings)
    eo = settings.exchange_online
    if eo.tenant.lower() in ("organizations", "common"):
        raise UserInputError(
            "exchange_online.tenant: app-only sign-in needs the tenant itself (its Directory "
            f'(tenant) ID GUID or a domain like contoso.onmicrosoft.com), not "{eo.tenant}".'
        )
    if not eo.mailbox:
        raise UserInputError(
            "exchange_online.mailbox is not set: enter the address of the mailbox the app sends "
            'as, e.g. mailbox = "alerts@contoso.com".'
        )


class AppOnlySignIn:
    """Client-credentials tokens for exchange_online.client_id, signed with the certificate."""

    app_only = True

    def __init__(self, settings: Settings, config_path: Path) -> None:
        self.settings = settings
        self.config_path = config_path
        self.endpoints = clouds.endpoints(settings)
        self.cache_path = paths.token_cache_path(settings.exchange_online.token_cache, config_path)
        self.certificate_path = certificate.certificate_path(settings, config_path)
        self._credential: certificate.AppCredential | None = None
        self._app: msal.ConfidentialClientApplication | None = None
        self._cache: Any = None
        self._lock = threading.Lock()
        self.token_requests = 0  # tokens this object asked Entra ID for (not from the cache)

    # ------------------------------------------------------------------ plumbing
    @property
    def login_host(self) -> str:
        return login_host(self.endpoints.login)

    def explain_context(self, account: str = "") -> ExplainContext:
        return signin_context(
            self.settings, self.endpoints.login, account or self.settings.exchange_online.mailbox
        )

    def hints(self) -> AppHints:
        from alloy_tui.core.explain import AppHints

        sha1 = self._credential.info.sha1 if self._credential else ""
        return AppHints(
            self.certificate_path,
            certificate.public_path(self.certificate_path),
            sha1,
            self.settings.exchange_online.mailbox,
        )

    def credential(self) -> certificate.AppCredential:
        """The certificate file, checked (mode, owner, key + certificate, validity)."""
        if self._credential is None:
            cred = certificate.load(self.certificate_path)
            certificate.check_valid(cred.info)
            self._credential = cred
        return self._credential

    def scopes(self, resource: str) -> list[str]:
        c = clouds.cloud(self.settings)
        if resource not in ("graph", "ews"):
            raise ValueError(f"unknown resource {resource!r}; expected 'graph' or 'ews'")
        return [f"{c.graph_resource if resource == 'graph' else c.ews_resource}/.default"]

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is not None:
                return self._app
            check_app_only_settings(self.settings)
            cred = self.credential()
            from alloy_tui.core import net

            net.guard_loggers()
            import msal

            eo = self.settings.exchange_online
            kwargs: dict[str, Any] = {}
            if self.endpoints.login_overridden:
                kwargs["instance_discovery"] = False
            if self._cache is None:
                self._cache = cache_file.open_cache(self.cache_path)
            http = FormTextHttpClient(net.http_client(self.settings, self.config_path))
            try:
                # No "thumbprint": msal 1.39 then takes the SHA-256 thumbprint of
                # public_certificate and signs PS256 with x5t#S256 (what Entra documents now).
                self._app = msal.ConfidentialClientApplication(
                    eo.client_id,
                    client_credential={
                        "private_key": cred.private_key_pem,
                        "public_certificate": cred.certificate_pem,
                    },
                    authority=self.endpoints.authority(eo.tenant),
                    http_client=http,
                    token_cache=self._cache,
                    **kwargs,
                )
            except ValueError as e:
                from alloy_tui.core.explain import explain_msal_value_error

                ex = explain_msal_value_error(e, self.explain_context())
                raise ExplainedError(ex or self._explain_exc(e)) from None
            except AlloyError:
                raise
            except Exception as e:  # network: DNS, TLS, refused, timeout
                raise ExplainedError(self._explain_exc(e)) from None
            return self._app

    def _explain_exc(self, e: BaseException) -> Explanation:
        from alloy_tui.core.explain import explain

        return explain(e, self.explain_context())

    def _log(self, level: str, event: str, message: str, **details: Any) -> None:
        eo = self.settings.exchange_online
        base = {"client_id": eo.client_id, "tenant": eo.tenant, "auth": "certificate"}
        base.update(details)
        _alert(self.settings, self.config_path, level, event, message, base)

    # ------------------------------------------------------------------ what senders use
    def username(self) -> str:
        return self.settings.exchange_online.mailbox

    def current_account(self) -> Account | None:
        box = self.settings.exchange_online.mailbox
        return Account(name=box, username=box, home_account_id="") if box else None

    def _cached(self, resource: str) -> tuple[str, float] | None:
        if not self.cache_path.exists():
            return None
        view: cache_read.CacheView = self._cache or cache_read.CacheSnapshot(self.cache_path)
        account = {"home_account_id": None, "environment": self.login_host}
        return cache_read.cached_access_token(
            view,
            account,
            self.settings.exchange_online.client_id,
            self.scopes(resource),
            self.settings.exchange_online.tenant.strip().lower(),
        )

    def get_token_info(self, resource: str, *, force_refresh: bool = False) -> AccessToken:
        token, _ = self.acquire(resource, force_refresh=force_refresh)
        return token

    def get_token(self, resource: str) -> str:
        return self.get_token_info(resource).token

    def acquire(
        self, resource: str, *, force_refresh: bool = False
    ) -> tuple[AccessToken, AppToken]:
        """An app token for "graph" or "ews": from the cache, else one token request."""
        check_app_only_settings(self.settings)
        if force_refresh:
            self.forget_tokens()
        else:
            self.credential()  # a bad or expired certificate is refused even with a cached token
            hit = self._cached(resource)
            if hit is not None:
                return AccessToken(hit[0], hit[1]), self._describe(hit[0], hit[1], True)
        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=self.scopes(resource))
        except AlloyError:
            raise
        except Exception as e:  # MsalServiceError (5xx), network errors
            raise ExplainedError(self._explain_exc(e)) from None
        if "access_token" not in result:
            from alloy_tui.core.explain import explain_app_token

            ex = explain_app_token(result, self.explain_context(), self.hints())
            self._log(
                "error", "signin.failed", f"App-only sign-in failed: {ex.title}", error_code=ex.code
            )
            raise ExplainedError(ex)
        from_cache = result.get("token_source") == "cache"
        if not from_cache:
            self.token_requests += 1
        expires = time.time() + float(result.get("expires_in") or 0)
        secret = str(result["access_token"])
        return AccessToken(secret, expires), self._describe(secret, expires, from_cache)

    @staticmethod
    def _describe(secret: str, expires: float, from_cache: bool) -> AppToken:
        roles = cache_read.decode_claims(secret).get("roles") or []
        return AppToken(expires, tuple(str(r) for r in roles), from_cache)

    def check(self, resource: str = "", *, log: bool = True) -> AppToken:
        """`login` / the wizard's Check: a token now, and roles in it (else: consent missing)."""
        resource = resource or self.settings.exchange_online.api
        _, info = self.acquire(resource)
        if not info.roles:
            from alloy_tui.core.explain import explain_no_roles

            raise ExplainedError(explain_no_roles(self.explain_context(), self.hints()))
        if not log:
            return info
        self._log(
            "info",
            "signin.succeeded",
            f"App-only sign-in works for {self.username()}",
            account=self.username(),
        )
        return info

    def forget_tokens(self) -> int:
        """Remove this app's cached app tokens (delegated accounts' tokens stay). Returns how many."""
        if not self.cache_path.exists():
            return 0
        if self._cache is None:
            self._cache = cache_file.open_cache(self.cache_path)
        q = {"client_id": self.settings.exchange_online.client_id, "home_account_id": None}
        items = list(self._cache.search(cache_read.ACCESS_TOKEN, query=q))
        for item in items:
            self._cache.remove_at(item)
        return len(items)

    def sign_out(self) -> int:
        """`logout`: forget the cached app tokens (logged). Returns how many were removed."""
        n = self.forget_tokens()
        self._log(
            "info", "signin.signed_out", f"Forgot {n} cached app token(s)", account=self.username()
        )
        return n


def forget_other_mode_tokens(settings: Settings, config_path: Path) -> list[str]:
    """Once a config that switched sign-in mode is saved: remove the other mode's cached tokens
    for this app (app tokens after a switch to device code, every user account of this app
    after a switch to the certificate). Returns what was removed, for a notice."""
    if settings.exchange_online.auth != "certificate":
        n = AppOnlySignIn(settings, config_path).forget_tokens()
        return [f"{n} app token(s)"] if n else []
    from alloy_tui.core.signin.client import SignIn

    signin = SignIn(settings, config_path)
    accounts = signin.tokens.accounts()
    if not accounts:
        return []
    cache = signin.tokens.msal_cache()
    for a in accounts:
        cache_read.forget(cache, a)
    return [str(a.get("username", "")) for a in accounts]
