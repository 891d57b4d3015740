"""Network failures (DNS, refused, TLS, timeouts, proxies) from httpx, requests, ssl or socket.

Classification walks the whole exception chain (``__cause__``, ``__context__``, urllib3's
``reason`` and exceptions held in ``args``) by class name, so nothing heavy is imported here.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl
from collections.abc import Callable
from typing import Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.explain.common import (
    ExplainContext,
    class_names,
    exception_chain,
    first_line,
    redact,
)

_TIMEOUT_NAMES = {
    "TimeoutError",
    "socket.timeout",
    "httpx.TimeoutException",
    "requests.exceptions.Timeout",
    "urllib3.exceptions.TimeoutError",
    "httpcore.TimeoutException",
}
_PROXY_NAMES = {
    "httpx.ProxyError",
    "requests.exceptions.ProxyError",
    "urllib3.exceptions.ProxyError",
    "httpcore.ProxyError",
}
_DNS_NAMES = {
    "socket.gaierror",
    "urllib3.exceptions.NameResolutionError",
    "gaierror",
    "NameResolutionError",
}
_DNS_TEXT = re.compile(
    r"Name or service not known|nodename nor servname|getaddrinfo failed|Temporary failure in name resolution|"
    r"No address associated with hostname|Failed to resolve|Name does not resolve|\[Errno -[235]\]",
    re.I,
)
_NETWORK_NAMES = (
    _TIMEOUT_NAMES
    | _PROXY_NAMES
    | _DNS_NAMES
    | {
        "ssl.SSLError",
        "ConnectionError",
        "httpx.TransportError",
        "httpcore.NetworkError",
        "requests.exceptions.ConnectionError",
        "urllib3.exceptions.HTTPError",
    }
)


def is_network_error(exc: BaseException) -> bool:
    """True when anything in the chain is a network-level failure we can explain."""
    for item in exception_chain(exc):
        names = class_names(item)
        if names & _NETWORK_NAMES:
            return True
        if isinstance(item, OSError) and item.errno in _ERRNOS:
            return True
    return False


_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.ETIMEDOUT,
    errno.ECONNABORTED,
}


def _reach(host: str, ctx: ExplainContext, exc: BaseException | None = None) -> str:
    """How to test reaching the host, for the service in use (on the port the request used)."""
    if ctx.service == "smtp" or ctx.api == "smtp":
        return f"`nc -vz {host} <[smtp] port>` or `openssl s_client -connect {host}:<port> -starttls smtp`"
    port = _port_of(exc) if exc is not None else None
    where = f"{host}:{port}" if port and port != 443 else host
    return f"`curl -v https://{where}/`"


def _port_of(exc: BaseException) -> int | None:
    """The port of the request that failed, when it says one: an httpx request's URL, a
    requests request's URL text, or a urllib3 pool or connection."""
    for item in exception_chain(exc):
        try:
            request = item.request  # type: ignore[attr-defined]  # httpx raises RuntimeError if unset
        except Exception:  # noqa: BLE001
            request = None
        url = getattr(request, "url", None)
        port = getattr(url, "port", None)
        if isinstance(port, int):
            return port
        if isinstance(url, str) and "://" in url:
            where = url.split("://", 1)[1].split("/", 1)[0].split("@")[-1]
            text = where.rsplit(":", 1)[1] if ":" in where and not where.endswith("]") else ""
            if text.isdigit():
                return int(text)
        for attr in ("pool", "conn"):
            port = getattr(getattr(item, attr, None), "port", None)
            if isinstance(port, int):
                return port
    return None


def _port_hint(ctx: ExplainContext, exc: BaseException | None = None) -> str:
    if ctx.service == "smtp" or ctx.api == "smtp":
        return "the SMTP port ([smtp] port)"
    return f"port {(_port_of(exc) if exc is not None else None) or 443}"


def _host_of(exc: BaseException, ctx: ExplainContext) -> str:
    """The server's host name from the exception (httpx request, urllib3 pool/conn), else ctx.host."""
    for item in exception_chain(exc):
        try:
            request = item.request  # type: ignore[attr-defined]  # httpx raises RuntimeError if unset
        except Exception:  # noqa: BLE001
            request = None
        url = getattr(request, "url", None)
        host = getattr(url, "host", None)
        if isinstance(host, str) and host:
            return host
        if isinstance(url, str) and "://" in url:
            return url.split("://", 1)[1].split("/", 1)[0].split("@")[-1].rsplit(":", 1)[0]
        for attr in ("pool", "conn"):
            obj = getattr(item, attr, None)
            host = getattr(obj, "host", None)
            if isinstance(host, str) and host:
                return host
        host = getattr(item, "host", None) if "NameResolutionError" in type(item).__name__ else None
        if isinstance(host, str) and host:
            return host
    match = re.search(r"host='([^']+)'", str(exc))
    if match:
        return match.group(1)
    return ctx.host


def _find(exc: BaseException, predicate: Callable[[BaseException], bool]) -> BaseException | None:
    for item in exception_chain(exc):
        if predicate(item):
            return item
    return None


def _any_text(exc: BaseException, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(str(item)) for item in exception_chain(exc))


_CERT_TEXT = re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed", re.I)
_WRONG_VERSION = re.compile(
    r"WRONG_VERSION_NUMBER|wrong version number|record layer failure|unknown protocol", re.I
)
_REFUSED_TEXT = re.compile(r"Connection refused|\[Errno 111\]|actively refused", re.I)
_PROXY_TEXT = re.compile(
    r"Tunnel connection failed|Proxy Authentication Required|Unable to connect to proxy", re.I
)


def explain_network(exc: BaseException, ctx: ExplainContext) -> Explanation:
    """DNS, refused, TLS, timeout and proxy failures -> Explanation (retryable where waiting helps).
    Verdict: `service` (the network or the server, nothing this message can change), except a
    certificate or proxy that the settings must fix (`settings`)."""
    ex = _explain_network(exc, ctx)
    if not ex.verdict:
        ex.verdict = "settings" if ex.code.startswith(("tls", "proxy")) else "service"
    return ex


def _explain_network(exc: BaseException, ctx: ExplainContext) -> Explanation:
    host = _host_of(exc, ctx) or "the server"
    said = first_line(str(exc))
    details: dict[str, Any] = {"host": host, "error_type": type(exc).__name__}
    if said:
        details["error"] = said

    cert = _find(exc, lambda e: isinstance(e, ssl.SSLCertVerificationError))
    if cert is not None or _any_text(exc, _CERT_TEXT):
        return _tls_verify(cert, exc, host, details)

    proxy = _find(exc, lambda e: bool(class_names(e) & _PROXY_NAMES))
    if proxy is not None or _any_text(exc, _PROXY_TEXT):
        text = first_line(str(proxy or exc))
        auth = "407" in text or "Proxy Authentication" in text
        return Explanation(
            "Proxy refused the connection" if not auth else "Proxy needs authentication",
            f"The HTTPS proxy (from the HTTPS_PROXY / https_proxy environment variable) could not open a tunnel to {host}."
            + (" It asks for credentials." if auth else ""),
            "Check HTTPS_PROXY in this service's environment (`env | grep -i proxy`): the proxy host and port must be "
            f"right, it must allow CONNECT to {host}:443"
            + (", and include credentials as http://user:password@proxy:port" if auth else "")
            + ". To bypass the proxy for a host, add it to NO_PROXY.",
            code="proxy",
            retryable=not auth,
            details=details,
        )

    dns = _find(exc, lambda e: bool(class_names(e) & _DNS_NAMES))
    if dns is not None or _any_text(exc, _DNS_TEXT):
        temporary = isinstance(dns, socket.gaierror) and dns.errno == socket.EAI_AGAIN
        temporary = temporary or _any_text(
            exc, re.compile("Temporary failure in name resolution", re.I)
        )
        return Explanation(
            "Server name not found (DNS)",
            f"This machine could not look up the address of {host}."
            + (
                " The DNS server did not answer (temporary failure)."
                if temporary
                else " The name does not exist or DNS is not reachable."
            ),
            f"Check the spelling of {host} in the config (`alloy-tui config show`: endpoints, smtp.host); check DNS with "
            f"`getent hosts {host}` or `nslookup {host}` and /etc/resolv.conf. If this server may reach the internet "
            "only through a proxy, set HTTPS_PROXY for alloy-tui.",
            code="dns",
            retryable=temporary,
            details=details,
        )

    refused = _find(exc, lambda e: isinstance(e, ConnectionRefusedError))
    if refused is not None or _any_text(exc, _REFUSED_TEXT):
        return Explanation(
            "Connection refused",
            f"{host} answered, but nothing accepts connections on that port (the service is down, or the port is wrong).",
            f"Check the port and that the service is running on {host}; test with {_reach(host, ctx, exc)}. "
            "A firewall that rejects rather than drops also looks like this.",
            code="refused",
            retryable=True,
            details=details,
        )

    timeout = _find(exc, _is_timeout)
    if timeout is not None:
        names = class_names(timeout)
        phase = (
            "connect"
            if any("Connect" in n for n in names)
            else ("read" if any("Read" in n for n in names) else "")
        )
        what = {
            "connect": f"Connecting to {host} took too long: no answer at all, usually a firewall dropping traffic.",
            "read": f"{host} accepted the connection but did not answer in time.",
        }.get(phase, f"{host} did not answer in time.")
        return Explanation(
            "The server did not answer in time",
            what,
            f"Check this server may reach {host} on {_port_hint(ctx, exc)} (firewall / egress rules, {_reach(host, ctx, exc)}), "
            "or whether a proxy is required (HTTPS_PROXY). On a slow link raise [network] timeout (seconds). "
            "alloy-tui retries the next send on its own.",
            code="timeout",
            retryable=True,
            details=details,
        )

    wrong = _find(exc, lambda e: isinstance(e, ssl.SSLError))
    if wrong is not None or _any_text(exc, _WRONG_VERSION):
        plain = _any_text(exc, _WRONG_VERSION)
        return Explanation(
            "Secure connection (TLS) failed"
            if not plain
            else "The server does not speak TLS on this port",
            (
                f"The TLS handshake with {host} failed: {first_line(str(wrong or exc))}"
                if not plain
                else f"{host} answered in plain text where TLS was expected: the port is a plain-HTTP/SMTP port, "
                "or a proxy is in the way."
            ),
            "Check the URL uses the right scheme and port (https on 443; for SMTP, port 465 = ssl, 587/25 = starttls). "
            "If a TLS-inspecting proxy sits in between, set [network] ca_bundle to its CA certificate (PEM).",
            code="tls",
            details=details,
        )

    reset = _find(
        exc,
        lambda e: (
            isinstance(e, ConnectionResetError | ConnectionAbortedError | BrokenPipeError)
            or bool(
                class_names(e) & {"httpx.RemoteProtocolError", "http.client.RemoteDisconnected"}
            )
        ),
    )
    if reset is not None:
        return Explanation(
            "Connection dropped",
            f"{host} (or something between us, such as a firewall or proxy) closed the connection unexpectedly.",
            "Try again; if it keeps happening, check firewalls or proxies between this server and "
            f"{host}, and whether HTTPS_PROXY is needed.",
            code="reset",
            retryable=True,
            details=details,
        )

    unreachable = _find(
        exc, lambda e: isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)
    )
    if unreachable is not None:
        return Explanation(
            "Network unreachable",
            f"This machine has no route to {host}.",
            "Check the server's network configuration (default route, IPv6 vs IPv4), firewall, and whether a proxy "
            "(HTTPS_PROXY) is required to reach the internet.",
            code="unreachable",
            retryable=True,
            details=details,
        )

    return Explanation(
        "Network error",
        f"The connection to {host} failed: {said or type(exc).__name__}",
        f"Check this server can reach {host} ({_reach(host, ctx, exc)}), proxy settings (HTTPS_PROXY) and "
        "firewall rules, then try again.",
        code="network",
        retryable=True,
        details=details,
    )


def _is_timeout(exc: BaseException) -> bool:
    names = class_names(exc)
    if "urllib3.exceptions.NewConnectionError" in names:  # a subclass of ConnectTimeoutError, oddly
        return False
    return bool(names & _TIMEOUT_NAMES) or (
        isinstance(exc, OSError) and exc.errno == errno.ETIMEDOUT
    )


def _tls_verify(
    cert: BaseException | None, exc: BaseException, host: str, details: dict[str, Any]
) -> Explanation:
    message = str(getattr(cert, "verify_message", "") or "") if cert is not None else ""
    text = " ".join(str(e) for e in exception_chain(exc))
    if not message:
        match = re.search(r"certificate verify failed: ([^()\]]+)", text)
        message = match.group(1).strip() if match else ""
    details["verify_message"] = redact(message)
    low = (message or text).lower()
    if "hostname mismatch" in low or "doesn't match" in low or "ip address mismatch" in low:
        return Explanation(
            "Certificate is for another host name",
            f"{host} presented a certificate that is not valid for the name {host}. Either the endpoint address is "
            "wrong (e.g. an IP address or an internal alias) or something is intercepting the connection.",
            f"Use the host name the certificate was issued for in the endpoint setting (check with "
            f"`openssl s_client -connect {host}:443 -servername {host}`). Certificate checks are never turned off.",
            code="tls.hostname",
            details=details,
        )
    if "expired" in low or "not yet valid" in low:
        return Explanation(
            "Server certificate expired",
            f"The certificate {host} presented has expired (or is not valid yet) - or this machine's clock is wrong.",
            "Check the system clock (`timedatectl`); if the clock is right, the server's certificate must be renewed by its owner.",
            code="tls.expired",
            details=details,
        )
    return Explanation(
        "Server certificate not trusted",
        f"The certificate presented for {host} was signed by a CA this machine does not trust. On corporate "
        "networks this is usually TLS inspection: a proxy or firewall (Zscaler, Palo Alto, Fortinet...) "
        "re-signs HTTPS traffic with its own CA.",
        "Get the inspecting proxy's root CA certificate as a PEM file from your network team (or export it: "
        f'`openssl s_client -connect {host}:443 -showcerts`) and set [network] ca_bundle = "/path/to/proxy-ca.pem" '
        "in the config (or in the wizard's Network step). alloy-tui adds it to the system trust store; "
        "certificate checks are never turned off.",
        code="tls.untrusted",
        details=details,
    )
