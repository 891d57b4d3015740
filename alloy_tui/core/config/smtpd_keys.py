"""The ``[smtpd]`` section's rules: the listen address and what counts as loopback.

The model (`Smtpd`) is in settings.py, the checks of its values in checks.py. The rules that need
several keys at once (a non-loopback listen needs users and a TLS certificate) are the
listener's, checked when it starts: core/smtpd/options.py.
"""

from __future__ import annotations

import re

DEFAULT_LISTEN = "127.0.0.1:2525"
MAX_MESSAGE_BYTES = (
    35 * 1024 * 1024
)  # Exchange Online's limit (core/mail/services.py says the same)
MAX_HEADER_BYTES = 1024 * 1024  # the header block of one message, by default
USER = r"^[A-Za-z0-9._@+-]{1,128}$"  # an AUTH user name (a pattern: see checks.py)


def parse_listen(value: str) -> tuple[str, int]:
    """("127.0.0.1", 2525) from "127.0.0.1:2525"; "[::1]:2525" for IPv6. ValueError if not."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError("must be host:port, such as 127.0.0.1:2525 or [::1]:2525")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("an IPv6 address goes in brackets: [::1]:2525")
    port = int(port_text)
    if port > 65535:  # 0: any free port (tests, the benchmark)
        raise ValueError(f"the port must be between 1 and 65535, got {port}")
    if not host or re.search(r"[\s/\[\]]", host):
        raise ValueError(f"the host {host!r} is not an address or a host name")
    return host, port


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost"; a name other than localhost is not loopback."""
    if host.lower() == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
