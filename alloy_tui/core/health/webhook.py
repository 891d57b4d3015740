"""Alerts to a chat webhook: ``POST {"text": ...}`` to ``[alerts] webhook_url`` (Slack,
Mattermost and Teams workflow incoming webhooks all accept it).

The URL is a secret (whoever has it can post): it is never logged, shown or put in an error;
only its host is (`host_of`). Same TLS and proxy settings as Microsoft's endpoints
(`core.net.http_client`); plain http:// only to this machine. httpx loads only when sending.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from alloy_tui.core.config import Settings

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TIMEOUT = 10.0  # seconds: an alert must never hold up the runner for long


def host_of(url: str) -> str:
    """The host (and port) of the URL: all of it that may be shown."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


def masked(url: str) -> str:
    """How the URL is shown (config show, messages): scheme and host only."""
    if not url:
        return ""
    return f"{urlsplit(url).scheme}://{host_of(url)}/… (hidden: the URL is a secret)"


def refusal(url: str) -> str:
    """Why the URL may not be used ("" if it may)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the webhook URL is not a URL"
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and (parts.hostname or "").lower() in LOOPBACK:
        return ""
    return f"the webhook URL for {host_of(url)} must start with https:// (http:// only to this machine)"


def post(settings: Settings, config_path: Path, text: str) -> str:
    """POST the alert; "" when the webhook accepted it (2xx), else why not, host only."""
    url = settings.alerts.webhook_url
    problem = refusal(url)
    if problem:
        return problem
    from alloy_tui.core import net

    host = host_of(url)
    try:
        with net.http_client(settings, config_path) as client:
            r = client.post(url, json={"text": text}, timeout=min(TIMEOUT, net.timeout(settings)))
    except Exception as e:  # network, TLS, timeout: the alert is lost, the mail path is not
        return f"webhook {host}: {type(e).__name__}: {_no_url(str(e), url)}"
    if not 200 <= r.status_code < 300:
        return f"webhook {host}: HTTP {r.status_code}"
    return ""


def _no_url(text: str, url: str) -> str:
    """An error text with the URL (and its path, the secret part) taken out."""
    path = urlsplit(url).path
    text = text.replace(url, host_of(url))
    return text.replace(path, "/…") if len(path) > 1 else text
