"""Alerts to syslog / journald: one datagram to the local log socket, tag ``alloy-tui``.

What syslog(3) does, with the priorities and facility of the stdlib `syslog` module, written to
a socket path we can name (`SOCKET_PATH`, or ``$ALLOY_TUI_SYSLOG_SOCKET``): the stdlib module
always writes to /dev/log, which the tests cannot read. journald listens on /dev/log too.
"""

from __future__ import annotations

import os
import socket
import syslog

TAG = "alloy-tui"
SOCKET_PATH = "/dev/log"
SOCKET_ENV = "ALLOY_TUI_SYSLOG_SOCKET"
PRIORITIES = {"err": syslog.LOG_ERR, "notice": syslog.LOG_NOTICE, "info": syslog.LOG_INFO}
MAX_TEXT = 1800  # well under the 2048 bytes every syslog daemon accepts


def socket_path() -> str:
    return os.environ.get(SOCKET_ENV) or SOCKET_PATH


def frame(priority: str, text: str, *, facility: int = syslog.LOG_DAEMON, tag: str = TAG) -> bytes:
    """``<PRI>alloy-tui[pid]: text`` (facility daemon unless given), on one line."""
    pri = facility | PRIORITIES[priority]
    line = " ".join(text.split())[:MAX_TEXT]
    return f"<{pri}>{tag}[{os.getpid()}]: {line}".encode("utf-8", "replace")


def send(priority: str, text: str, *, facility: int = syslog.LOG_DAEMON, tag: str = TAG) -> str:
    """Send one message; "" when it went, else why not (no syslog socket here, ...).
    sendmail's own line: ``facility=syslog.LOG_MAIL, tag="alloy-sendmail"``."""
    path = socket_path()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.settimeout(2.0)
            s.connect(path)
            s.send(frame(priority, text, facility=facility, tag=tag))
    except OSError as e:
        return f"syslog socket {path}: {e.strerror or e}"
    return ""
