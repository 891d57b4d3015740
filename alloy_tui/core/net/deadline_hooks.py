"""Where httpx (Graph, msal) and urllib3 (requests, exchangelib) hand their sockets to the
`Deadline` of the request (`deadline.py`). Heavy imports happen inside the functions.

httpx: the client's ``send`` runs each request, body included, under one deadline, and an
httpcore network backend registers every socket it connects, and again at each read and write
(a pooled connection serves later requests). urllib3: a connection class that registers the
socket it creates and, when reused, the socket it sends on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alloy_tui.core.net.request_deadline import deadline, watch_socket

_cache: dict[str, Any] = {}


def _stream_class() -> Any:
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def _watch(self) -> None:
            watch_socket(self._inner.get_extra_info("socket"))

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            self._watch()
            return bytes(self._inner.read(max_bytes, timeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._watch()
            self._inner.write(buffer, timeout)

        def close(self) -> None:
            self._inner.close()

        def start_tls(self, *args: Any, **kwargs: Any) -> Any:
            self._watch()
            return Stream(self._inner.start_tls(*args, **kwargs))

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    return Stream


def _backend() -> Any:
    if "backend" in _cache:
        return _cache["backend"]()
    import httpcore

    Stream = _stream_class()  # noqa: N806 - a class

    class Backend(httpcore.NetworkBackend):
        def __init__(self) -> None:
            self._inner = httpcore.SyncBackend()

        def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
            stream = Stream(self._inner.connect_tcp(*args, **kwargs))
            stream._watch()
            return stream

        def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
            return Stream(self._inner.connect_unix_socket(*args, **kwargs))

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    _cache["backend"] = Backend
    return Backend()


def client_class() -> Any:
    """An httpx.Client whose every request (connect, TLS, send, the whole answer) ends within
    its `total_timeout`; past it, DeadlineExceeded instead of the transport's error."""
    if "client" in _cache:
        return _cache["client"]
    import httpx

    class DeadlineClient(httpx.Client):
        def __init__(self, *args: Any, total_timeout: float = 30.0, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.total_timeout = total_timeout

        def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            with deadline(self.total_timeout, request.url.host or "the server") as d:
                try:
                    return super().send(request, **kwargs)
                except httpx.TransportError:
                    if d.expired:
                        raise d.exceeded() from None
                    raise

    _cache["client"] = DeadlineClient
    return DeadlineClient


def install_backend(client: Any) -> None:
    """Give the client's connection pools (direct and through proxies) the watching backend."""
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = _backend()


def connection_class(base: type) -> type:
    """urllib3 connection class `base`, registering its sockets with the current deadline."""
    key = f"conn:{base.__module__}.{base.__qualname__}"
    if key in _cache:
        return _cache[key]  # type: ignore[no-any-return]

    class Watched(base):  # type: ignore[misc]
        def _new_conn(self) -> Any:
            sock = super()._new_conn()
            watch_socket(sock)
            return sock

        def request(self, *args: Any, **kwargs: Any) -> Any:
            if getattr(self, "sock", None) is not None:
                watch_socket(self.sock)
            return super().request(*args, **kwargs)

    Watched.__name__ = f"Watched{base.__name__}"
    _cache[key] = Watched
    return Watched


def send_within(seconds: float, host: str, send: Callable[[], Any], *, read_body: bool) -> Any:
    """requests: `send()` (and reading the body, when asked) under one deadline; past it,
    DeadlineExceeded instead of the connection error the shut-down socket caused."""
    from requests.exceptions import RequestException

    with deadline(seconds, host) as d:
        try:
            resp = send()
            if read_body:
                _ = resp.content
        except (RequestException, OSError):
            if d.expired:
                raise d.exceeded() from None
            raise
    return resp


def watch_pool(pool: Any) -> Any:
    """Make a urllib3 connection pool's new connections register their sockets."""
    if not getattr(pool, "_alloy_watched", False):
        pool.ConnectionCls = connection_class(pool.ConnectionCls)
        pool._alloy_watched = True
    return pool
