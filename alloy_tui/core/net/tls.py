"""One TLS policy for every HTTPS connection the app makes.

Trust = the system store plus ``[network] ca_bundle`` (corporate TLS inspection, the sandbox).
Certificate checks are never turned off. ``HTTPS_PROXY``/``NO_PROXY`` are honoured, but
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``/``SSL_CERT_FILE`` never replace our context (requests
merges those environment variables over any ``verify=`` it is given, MSAL's included): httpx gets
the SSLContext itself, and requests (exchangelib) gets an adapter that ignores the ``verify``
value requests merged in from the environment for the hosts we registered (exchangelib's
``HTTP_ADAPTER_CLS`` is process-wide, so the adapter acts only for those hosts).

Heavy imports (httpx, requests) happen inside the functions that need them.
"""

from __future__ import annotations

import functools
import ssl
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import UserInputError

if TYPE_CHECKING:
    import httpx
    from requests import PreparedRequest, Response
    from requests.adapters import HTTPAdapter

PEM_MARKER = b"-----BEGIN CERTIFICATE-----"
USER_AGENT = "alloy-tui"

_ctx_lock = threading.Lock()
_ctx_cache: dict[tuple[str, float], ssl.SSLContext] = {}


def ca_bundle_path(settings: Settings, config_path: Path | None = None) -> Path | None:
    """The configured extra CA file (relative paths are next to the config file), or None."""
    value = settings.network.ca_bundle
    if not value:
        return None
    p = Path(value).expanduser()
    if not p.is_absolute() and config_path is not None:
        p = config_path.parent / p
    return p


def check_ca_bundle(path: Path) -> None:
    """Raise UserInputError with one clear sentence when the CA bundle can't be used."""
    if not path.exists():
        raise UserInputError(
            f"network.ca_bundle: the CA bundle {path} does not exist; point it at a PEM file "
            "of the extra certificate authorities to trust, or leave it empty."
        )
    if not path.is_file():
        raise UserInputError(
            f"network.ca_bundle: {path} is not a file; it must be a PEM file of CA certificates."
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserInputError(f"network.ca_bundle: cannot read {path}: {e.strerror or e}.") from None
    if PEM_MARKER not in data:
        raise UserInputError(
            f"network.ca_bundle: {path} is not a PEM certificate file (no "
            "'-----BEGIN CERTIFICATE-----' block); convert it with "
            f"`openssl x509 -inform der -in {path.name} -out ca.pem` and point ca_bundle at ca.pem."
        )


def ssl_context(settings: Settings, config_path: Path | None = None) -> ssl.SSLContext:
    """The one SSL context: the system's default trust store plus [network] ca_bundle.

    Raises UserInputError (before any request) when the bundle is missing or not PEM.
    """
    bundle = ca_bundle_path(settings, config_path)
    key = ("", 0.0)
    if bundle is not None:
        check_ca_bundle(bundle)
        key = (str(bundle.resolve()), bundle.stat().st_mtime)
    with _ctx_lock:
        cached = _ctx_cache.get(key)
        if cached is not None:
            return cached
        ctx = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
        if bundle is not None:
            try:
                ctx.load_verify_locations(cafile=str(bundle))
            except (ssl.SSLError, ValueError) as e:
                raise UserInputError(
                    f"network.ca_bundle: {bundle} holds no usable CA certificate ({e}); "
                    "it must be a PEM file of certificate authorities."
                ) from None
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        _ctx_cache[key] = ctx
        return ctx


def timeout(settings: Settings) -> float:
    return float(settings.network.timeout)


def http_client(
    settings: Settings,
    config_path: Path | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An httpx client with our SSL context, the configured timeout and env proxies; each
    request, from connect to the last byte of the answer, ends within the timeout."""
    import httpx

    from alloy_tui.core.net.logsafety import guard_loggers

    guard_loggers()
    ctx = ssl_context(settings, config_path)
    h = {"User-Agent": USER_AGENT}
    h.update(headers or {})
    # trust_env=True: HTTPS_PROXY/NO_PROXY apply. The SSLContext is passed as `verify`, so the
    # CA-bundle environment variables never replace it (httpx only reads them for verify=True).
    from alloy_tui.core.net import deadline_hooks

    # `timeout` bounds each read (httpx) and each whole request (the deadline client).
    client: httpx.Client = deadline_hooks.client_class()(
        verify=ctx,
        timeout=httpx.Timeout(timeout(settings)),
        trust_env=True,
        headers=h,
        follow_redirects=False,
        total_timeout=timeout(settings),
    )
    deadline_hooks.install_backend(client)
    return client


# ---------------------------------------------------------------------------- requests side


def _host_key(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


_adapter_lock = threading.Lock()
_adapter_hosts: dict[tuple[str, str, int], tuple[ssl.SSLContext, float]] = {}
_adapter_cls: type[HTTPAdapter] | None = None
_last = threading.local()


def last_request_id() -> str:
    """The `request-id` header of this thread's last response from a registered requests host."""
    return str(getattr(_last, "request_id", ""))


def requests_adapter_class() -> type[HTTPAdapter]:
    """A requests HTTPAdapter subclass that uses our SSLContext for the hosts registered with
    `register_requests_host`, and behaves exactly like the stock adapter for every other host."""
    global _adapter_cls
    if _adapter_cls is not None:
        return _adapter_cls
    from requests.adapters import HTTPAdapter

    class AlloyHTTPAdapter(HTTPAdapter):
        @staticmethod
        def _ours(url: str | None) -> tuple[ssl.SSLContext, float] | None:
            with _adapter_lock:
                return _adapter_hosts.get(_host_key(url or ""))

        def build_connection_pool_key_attributes(
            self,
            request: PreparedRequest,
            verify: bool | str,
            cert: str | tuple[str, str] | None = None,
        ) -> tuple[dict[str, Any], dict[str, Any]]:
            ours = self._ours(request.url)
            if ours is None:
                return super().build_connection_pool_key_attributes(request, verify, cert)
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, True, cert
            )
            pool_kwargs.pop("ca_certs", None)
            pool_kwargs.pop("ca_cert_dir", None)
            pool_kwargs["cert_reqs"] = "CERT_REQUIRED"
            pool_kwargs["ssl_context"] = ours[0]
            return host_params, pool_kwargs

        def cert_verify(
            self, conn: Any, url: str, verify: bool | str, cert: str | tuple[str, str] | None
        ) -> None:  # conn: a urllib3 connection pool (requests types it Any)
            if self._ours(url) is None:
                super().cert_verify(conn, url, verify, cert)
                return
            # Ignore the env-merged `verify` (REQUESTS_CA_BUNDLE): the pool's ssl_context decides.
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None

        def get_connection_with_tls_context(
            self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
        ) -> Any:
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            if self._ours(request.url) is None:
                return pool
            from alloy_tui.core.net.deadline_hooks import watch_pool

            return watch_pool(pool)

        def send(
            self,
            request: PreparedRequest,
            stream: bool = False,
            timeout: float | tuple[float | None, float | None] | None = None,
            verify: bool | str = True,
            cert: str | tuple[str, str] | None = None,
            proxies: dict[str, str] | None = None,
        ) -> Response:
            ours = self._ours(request.url)
            if ours is None:
                return super().send(
                    request,
                    stream=stream,
                    timeout=timeout,
                    verify=verify,
                    cert=cert,
                    proxies=proxies,
                )
            from alloy_tui.core.net.deadline_hooks import send_within

            # One deadline for the request and its whole answer (the body read there, not later
            # by requests, unless a response hook such as NTLM's needs the connection first).
            hooked = any(request.hooks.get("response") or ())
            send = functools.partial(
                HTTPAdapter.send, self, request, stream, ours[1], True, cert, proxies
            )
            resp: Response = send_within(
                ours[1], _host_key(request.url or "")[1], send, read_body=not (stream or hooked)
            )
            _last.request_id = resp.headers.get("request-id", "")
            return resp

    _adapter_cls = AlloyHTTPAdapter
    return _adapter_cls


def register_requests_host(
    url: str, settings: Settings, config_path: Path | None = None
) -> type[HTTPAdapter]:
    """Make requests (exchangelib) use our SSL context and timeout for `url`'s host, and
    install the adapter class in exchangelib. Returns the adapter class."""
    from alloy_tui.core.net.logsafety import guard_loggers

    guard_loggers()
    ctx = ssl_context(settings, config_path)
    cls = requests_adapter_class()
    with _adapter_lock:
        _adapter_hosts[_host_key(url)] = (ctx, timeout(settings))
    from exchangelib.protocol import BaseProtocol

    if not (
        isinstance(BaseProtocol.HTTP_ADAPTER_CLS, type)
        and issubclass(BaseProtocol.HTTP_ADAPTER_CLS, cls)
    ):
        BaseProtocol.HTTP_ADAPTER_CLS = cls
    return cls
