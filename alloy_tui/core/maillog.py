"""The mail log: one syslog line per delivery attempt, the lines postfix admins' tools parse.

Facility mail, priority info, tag ``alloy-tui`` (so /var/log/mail.log, or ``journalctl -t
alloy-tui``), in postfix's shape, so logwatch, pflogsumm, fail2ban and grep read them::

    20261207T032148-3f9a1c7e: from=<cron@web01.contoso.com>, size=1234, nrcpt=2 (queue active)
    20261207T032148-3f9a1c7e: to=<ops@contoso.com>, relay=graph[graph.microsoft.com]:443,
        delay=1.2, dsn=2.0.0, status=sent (202 Accepted request-id 5c1e...)
    20261207T032148-3f9a1c7e: to=<typo@contoso.com>, relay=smtp[smtp.office365.com]:587,
        delay=1.2, dsn=5.0.0, status=bounced (The recipient was refused [smtp.550]: ...)

(each on one line). The first when the runner takes a message for an attempt, then one per
recipient tried: `sent`, `deferred` (still pending: a 4xx, an outage) or `bounced` (failed for
good; a failure notice goes to the sender). ``delay`` is the seconds since the message was
queued, as postfix's. Every value passes through `printable` (nothing from a message or a
server reaches a terminal that shows the log) and no secret is in any of them (addresses,
sizes, the service's reply and request id, the explained reason).

Written to the local log socket like syslog(3) does, one datagram per line, and only where it
exists: ``[log] syslog = false`` turns it off; ``$ALLOY_TUI_SYSLOG_SOCKET`` names another socket
(the tests bind their own). A log that can't be written never stops or slows the mail by more
than the socket's short timeout.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from alloy_tui.core.terminal_text import printable

if TYPE_CHECKING:
    from alloy_tui.core.config import Settings

TAG = "alloy-tui"
SOCKET_PATH = "/dev/log"
SOCKET_ENV = "ALLOY_TUI_SYSLOG_SOCKET"  # for tests: the alerts' syslog lines use it too
LOG_MAIL_INFO = (2 << 3) | 6  # facility mail (2), priority info (6)
MAX_TEXT = 1800  # well under the 2048 bytes every syslog daemon accepts
MAX_REASON = 400
SEND_TIMEOUT = 0.5
RETRY_ABSENT = 60.0  # seconds between looks for a log socket that is not there


def socket_path() -> str:
    return os.environ.get(SOCKET_ENV) or SOCKET_PATH


def frame(text: str) -> bytes:
    """``<22>alloy-tui[pid]: text``: one line, nothing a terminal acts on."""
    line = " ".join(printable(text).split())[:MAX_TEXT]
    return f"<{LOG_MAIL_INFO}>{TAG}[{os.getpid()}]: {line}".encode("utf-8", "replace")


def write(text: str, path: str = "") -> bool:
    """One line to the log socket; False when there is none (or it would not take it)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.settimeout(SEND_TIMEOUT)
            s.connect(path or socket_path())
            s.send(frame(text))
    except OSError:
        return False
    return True


def relay_of(settings: Settings, result: Any = None) -> str:
    """``<service>[host]:port``: where the attempt went (the service's own words when it
    answered, else the settings'); the table of services says it."""
    from alloy_tui.core.mail import relay

    return relay(settings, result)


def _reply(result: Any) -> str:
    """What the service said when it took the message."""
    extra: dict[str, str] = dict(getattr(result, "extra", None) or {})
    if extra.get("reply"):
        return extra["reply"]
    request_id = str(getattr(result, "request_id", "") or "")
    from alloy_tui.core.mail import SERVICES

    row = SERVICES.get(str(getattr(result, "api", "")))
    said = row.accepted if row is not None else "200 NoError"
    return f"{said} request-id {request_id}" if request_id else said


def _dsn(status: str, text: str) -> str:
    """The enhanced status code the server's reply gives (250 2.0.0, 550 5.1.1), else the
    status's class: 2.0.0, 4.0.0, 5.0.0."""
    import re

    first = {"sent": "2", "deferred": "4"}.get(status, "5")
    found = re.search(rf"\b{first}\d\d[ -]({first}\.\d{{1,3}}\.\d{{1,3}})\b", text)
    return found.group(1) if found else f"{first}.0.0"


def _reason(error: Any) -> str:
    """An explained failure (a dict as kept in the metadata) in one bounded line."""
    if not isinstance(error, dict):
        return "no reason recorded"
    title = str(error.get("title") or "failed")
    code = f" [{error['code']}]" if error.get("code") else ""
    cause = str(error.get("cause") or "")
    text = f"{title}{code}" + (f": {cause}" if cause else "")
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def _records(meta: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    recs = meta.get("recipients")
    if not isinstance(recs, list):
        return {}
    return {str(r.get("address")): r for r in recs if isinstance(r, dict)}


class MailLog:
    """The runner's mail log (one per run). `taken` when a message is taken for an attempt,
    `settled` once the attempt's outcome is recorded in the metadata."""

    def __init__(self, settings: Settings, now: Callable[[], float]) -> None:
        self.settings = settings
        self.now = now
        self.on = bool(settings.log.syslog)
        self.path = socket_path()
        self._sock: socket.socket | None = None  # connected once, kept for the run
        self._absent_until = 0.0  # no socket there: look again after RETRY_ABSENT seconds

    def line(self, text: str) -> None:
        if not self.on or self._connected() is None:
            return
        data = frame(text)
        for _ in range(2):  # a syslog daemon that restarted: connect again, once
            sock = self._connected()
            if sock is None:
                return
            try:
                sock.send(data)
                return
            except OSError:
                self.close()

    def _connected(self) -> socket.socket | None:
        if self._sock is None and time.monotonic() >= self._absent_until:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                sock.settimeout(SEND_TIMEOUT)
                sock.connect(self.path)
            except OSError:
                sock.close()
                self._absent_until = time.monotonic() + RETRY_ABSENT
                return None
            self._sock = sock
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __del__(self) -> None:
        self.close()

    def taken(self, meta: Mapping[str, Any]) -> list[str]:
        """``from=<...>, size=N, nrcpt=N (queue active)``; returns the recipients pending now
        (those this attempt may settle). Never raises: the log never stops the mail."""
        try:
            return self._taken(meta)
        except Exception:  # noqa: BLE001 - a line not written, never a message not sent
            return []

    def settled(self, meta: Mapping[str, Any], pending: Iterable[str], got: Any = None) -> None:
        """One line per recipient this attempt settled or deferred: its state in `meta` now
        (sent, failed: bounced, still pending with this attempt's reason: deferred). A
        recipient left untried (the run stopped between two sends) gets no line."""
        try:
            self._settled(meta, pending, got)
        except Exception:  # noqa: BLE001 - as in `taken`
            return

    def _taken(self, meta: Mapping[str, Any]) -> list[str]:
        pending = [a for a, r in _records(meta).items() if r.get("state") == "pending"]
        if not _records(meta):
            pending = [str(a) for a in meta.get("to") or ()]
        self.line(
            f"{meta.get('id', '')}: from=<{meta.get('sender', '')}>, size={int(meta.get('size') or 0)}, "
            f"nrcpt={len(pending)} (queue active)"
        )
        return pending

    def _settled(self, meta: Mapping[str, Any], pending: Iterable[str], got: Any) -> None:
        if not self.on:
            return
        recs = _records(meta)
        deferred = set(getattr(got, "deferred", None) or {})
        if getattr(got, "error", None) is not None:
            deferred |= set(getattr(got, "untried", None) or ())
        delivered = set(getattr(got, "delivered", None) or ())
        result = getattr(got, "result", None)
        delay = max(0.0, self.now() - float(meta.get("queued_at") or self.now()))
        for address in pending:
            rec = recs.get(address, {})
            state = rec.get("state", "pending")
            if state == "sent":
                status, reason = "sent", _reply(result) if address in delivered else "sent"
                relay = relay_of(self.settings, result)
            elif state == "failed":
                status, reason = "bounced", _reason(rec.get("last_error"))
                relay = relay_of(self.settings)
            elif address in deferred:
                status, reason = "deferred", _reason(rec.get("last_error"))
                relay = relay_of(self.settings)
            else:
                continue
            self.line(
                f"{meta.get('id', '')}: to=<{address}>, relay={relay}, delay={delay:.1f}, "
                f"dsn={_dsn(status, reason)}, status={status} ({reason})"
            )
