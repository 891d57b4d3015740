"""Find an on-premises Exchange Server's EWS URL from an e-mail address (Autodiscover, POX).

Bounded and careful with the password, unlike a full Outlook-style search:

* Only ``https://`` and only certificate-checked (the system store plus ``[network] ca_bundle``):
  a handshake that fails sends nothing, the password included.
* At most two places per address: the server the admin named (``https://<server>``), or else
  ``https://<domain>`` and ``https://autodiscover.<domain>``; each at
  ``/autodiscover/autodiscover.xml``. No plain-http redirect step, no DNS SRV step, no HTTP
  redirects followed (a 3xx is reported, not followed).
* An answer's ``redirectAddr`` (another address) is followed at most twice, never in a circle;
  ``redirectUrl`` only to https on the same host or under the address's own domain.
* Each request waits at most ``min([network] timeout, 15)`` seconds; answers over 256 KiB are
  refused; XML is parsed without entities (defusedxml).
* Credentials rejected (401) stop the search at once: the password is not offered to more hosts.

The result is the ``EXCH`` (internal) EWS URL, else the ``EXPR`` (external) one. The password
never appears in an exception, a result or a log line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import ExplainedError, Explanation, UserInputError
from alloy_tui.core.mail.exchange_server.answer import Answer, parse_answer

if TYPE_CHECKING:
    import requests
    from requests.auth import AuthBase

PATH = "/autodiscover/autodiscover.xml"
REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
MAX_ADDRESS_REDIRECTS = 2
MAX_URL_REDIRECTS = 2
MAX_BYTES = 256 * 1024
MAX_TIMEOUT = 15.0
HOW_TO_FIND = (
    "Type the EWS URL instead: usually https://<mail server>/EWS/Exchange.asmx. On the Exchange "
    "server, `Get-WebServicesVirtualDirectory | Format-List InternalUrl,ExternalUrl` shows it."
)


@dataclass(frozen=True)
class Discovered:
    ews_url: str
    source: str  # the Autodiscover URL that answered
    address: str  # the address it answered for (after any redirect)
    tried: tuple[str, ...]  # every URL asked, with what happened


class _Stop(Exception):
    """Stops the whole search (credentials rejected): never offer the password elsewhere."""

    def __init__(self, explanation: Explanation) -> None:
        super().__init__(explanation.title)
        self.explanation = explanation


def server_base(server: str) -> str:
    """``https://host[:port]`` from a host name, ``host:port`` or an https URL; '' if empty."""
    server = server.strip()
    if not server:
        return ""
    if "://" not in server:
        server = "https://" + server
    parts = urlsplit(server)
    if parts.scheme.lower() != "https" or not parts.hostname or any(c.isspace() for c in server):
        raise UserInputError(
            f'The Autodiscover server must be a host name or an https:// URL, got "{server}".'
        )
    return f"https://{parts.netloc}"


def candidates(address: str, server: str = "") -> list[str]:
    """Where to ask, in order: the named server, else the address's domain and autodiscover.<domain>."""
    base = server_base(server)
    if base:
        return [base + PATH]
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain or "@" not in address:
        raise UserInputError(f'Autodiscover needs an e-mail address, got "{address}".')
    return [f"https://{domain}{PATH}", f"https://autodiscover.{domain}{PATH}"]


def request_body(address: str) -> bytes:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Autodiscover xmlns="{REQUEST_NS}"><Request>'
        f"<EMailAddress>{escape(address)}</EMailAddress>"
        f"<AcceptableResponseSchema>{RESPONSE_SCHEMA}</AcceptableResponseSchema>"
        "</Request></Autodiscover>"
    ).encode()


def _short(exc: BaseException) -> str:
    import ssl

    text = str(exc)
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate not trusted or not for this name (nothing was sent)"
    if "SSLError" in names:
        return "TLS handshake failed (nothing was sent)"
    if (
        "NameResolutionError" in text
        or "Name or service not known" in text
        or "getaddrinfo" in text
    ):
        return "no such host"
    if "ConnectTimeout" in names or "ReadTimeout" in names or "Timeout" in names:
        return "no answer in time"
    if "Connection refused" in text:
        return "connection refused"
    return f"could not connect ({type(exc).__name__})"


class _Search:
    def __init__(self, settings: Settings, config_path: Path, password: str) -> None:
        self.settings = settings.with_section(
            "network", timeout=min(float(settings.network.timeout), MAX_TIMEOUT)
        )
        self.config_path = config_path
        self.password = password
        self.tried: list[str] = []
        self.session: requests.Session | None = None

    def _session(self) -> requests.Session:
        if self.session is None:
            import requests

            from alloy_tui.core import net

            self.session = requests.Session()
            self.session.mount("https://", net.requests_adapter_class()())
        return self.session

    def _auth(self) -> AuthBase:
        s = self.settings.exchange_server
        if s.auth == "ntlm":
            from requests_ntlm import HttpNtlmAuth

            return HttpNtlmAuth(s.username.strip(), self.password)
        from requests.auth import HTTPBasicAuth

        return HTTPBasicAuth(s.username.strip(), self.password)

    def ask(self, url: str, address: str) -> Answer | None:
        """One POST; the answer, or None (reason recorded in `tried`) to try the next place."""
        import requests

        from alloy_tui.core import net

        net.register_requests_host(url, self.settings, self.config_path)
        try:
            resp = self._session().post(
                url,
                data=request_body(address),
                headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": net.USER_AGENT},
                auth=self._auth(),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as e:
            self.tried.append(f"{url}: {_short(e)}")
            return None
        try:
            if resp.status_code == 401:
                raise _Stop(self._rejected(url))
            if 300 <= resp.status_code < 400:
                where = resp.headers.get("Location", "?")
                self.tried.append(f"{url}: HTTP {resp.status_code} to {where} (not followed)")
                return None
            if resp.status_code != 200:
                self.tried.append(f"{url}: HTTP {resp.status_code}")
                return None
            data = b""
            for chunk in resp.iter_content(16384):
                data += chunk
                if len(data) > MAX_BYTES:
                    self.tried.append(f"{url}: answer larger than {MAX_BYTES // 1024} KiB")
                    return None
        except requests.RequestException as e:
            self.tried.append(f"{url}: {_short(e)}")
            return None
        finally:
            resp.close()
        answer = parse_answer(data)
        if answer.action == "error":
            self.tried.append(f"{url}: {answer.error}")
            return None
        return answer

    def _rejected(self, url: str) -> Explanation:
        s = self.settings.exchange_server
        host = urlsplit(url).hostname or url
        self.tried.append(f"{url}: HTTP 401 (credentials rejected)")
        fix = "Check the user name and password."
        if s.auth == "basic":
            fix += (
                " Basic authentication must also be enabled on the Autodiscover virtual directory "
                "(Get-AutodiscoverVirtualDirectory | Format-List *Authentication*), or choose NTLM."
            )
        return Explanation(
            title="Autodiscover rejected the credentials",
            cause=(
                f"{host} answered 401 to {s.username.strip()} with {s.auth.upper()} "
                "authentication; the search stopped there so the password goes nowhere else."
            ),
            fix=f"{fix} Or: {HOW_TO_FIND}",
            code="autodiscover.401",
            verdict="settings",
        )

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _redirect_url_ok(url: str, answered: str, domain: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or not host:
        return False
    return host == (urlsplit(answered).hostname or "").lower() or host.endswith("." + domain)


def discover_ews_url(
    settings: Settings,
    config_path: Path,
    address: str,
    *,
    server: str = "",
    password: str | None = None,
) -> Discovered:
    """The EWS URL for `address`, asking `server` (host or https URL) or the address's domain.

    Uses ``[exchange_server] username`` and ``auth``; the password from `password` or the
    configured source. Raises ExplainedError (not found, credentials rejected) or UserInputError.
    """
    from alloy_tui.core.mail.smtp.client import scrub

    started = time.monotonic()
    s = settings.exchange_server
    if not s.username.strip():
        raise UserInputError(
            "exchange_server.username is empty: Autodiscover signs in as the account "
            "(DOMAIN\\user or user@example.com)."
        )
    from alloy_tui.core.mail.addresses import parse_address

    address = parse_address(address.strip(), "Autodiscover address")
    queue = candidates(address, server)  # before the password: a bad server costs nothing
    if password is None:
        from alloy_tui.core import secrets

        password = secrets.get_password(
            settings,
            "exchange-server",
            timeout=float(settings.network.timeout),
            config_path=config_path,
        )
    search = _Search(settings, config_path, password)
    seen_addresses = [address.lower()]
    url_redirects = 0
    try:
        while queue:
            url = queue.pop(0)
            answer = search.ask(url, address)
            if answer is None:
                continue
            if answer.action == "settings":
                found = answer.ews_url
                parts = urlsplit(found)
                if parts.scheme.lower() != "https" or not parts.hostname:
                    search.tried.append(f"{url}: EWS URL {found} is not https (not used)")
                    continue
                return Discovered(found, url, address, tuple(search.tried))
            if answer.action == "redirectAddr":
                new = answer.redirect.strip()
                if new.lower() in seen_addresses or len(seen_addresses) > MAX_ADDRESS_REDIRECTS:
                    search.tried.append(f"{url}: redirect to {new} refused (loop or too many)")
                    break
                search.tried.append(f"{url}: redirected to the address {new}")
                seen_addresses.append(new.lower())
                address = new
                queue = candidates(address, server)
                continue
            domain = address.rpartition("@")[2].lower()
            if url_redirects >= MAX_URL_REDIRECTS or not _redirect_url_ok(
                answer.redirect, url, domain
            ):
                search.tried.append(f"{url}: redirect to {answer.redirect} not followed")
                continue
            url_redirects += 1
            search.tried.append(f"{url}: redirected to {answer.redirect}")
            queue.insert(0, answer.redirect)
    except _Stop as stop:
        ex = _with_details(scrub(stop.explanation, password), search, started)
        raise ExplainedError(ex) from None
    finally:
        search.close()
    ex = _with_details(scrub(_not_found(address, server, search), password), search, started)
    raise ExplainedError(ex)


def _not_found(address: str, server: str, search: _Search) -> Explanation:
    """Every candidate asked, none gave a usable EWS URL: what was tried, and where to look."""
    tried = "; ".join(search.tried) or "nothing"
    fix = HOW_TO_FIND
    if not server.strip():
        fix += (
            " Or give just the server, https://<mail server>: Autodiscover then asks it directly."
        )
    if any("certificate" in t for t in search.tried):
        fix = (
            "If the server's certificate comes from an internal CA, put that CA's PEM file in "
            f"[network] ca_bundle and try again. Or: {HOW_TO_FIND}"
        )
    return Explanation(
        title="Autodiscover did not find the EWS URL",
        cause=f"Asked for {address}: {tried}.",
        fix=fix,
        code="autodiscover.not_found",
        verdict="settings",
    )


def _with_details(ex: Explanation, search: _Search, started: float) -> Explanation:
    ex.details.update(
        tried=list(search.tried), duration_ms=int((time.monotonic() - started) * 1000)
    )
    return ex


def needs_discovery(ews_endpoint: str) -> bool:
    """True when the EWS URL is empty or only names a server (no path)."""
    url = ews_endpoint.strip()
    return not url or urlsplit(url if "://" in url else "https://" + url).path in ("", "/")
