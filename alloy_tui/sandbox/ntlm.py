"""NTLM on the sandbox's EWS endpoint, for the Exchange Server (on-premises) transport.

The acceptor is pyspnego's pure-Python NTLM (installed with exchangelib's requests_ntlm). It reads
users from the file named by NTLM_USER_FILE, so that variable is set only while the acceptor
works, under a lock, and restored afterwards. Like IIS, a connection that completed NTLM stays
authenticated for the requests that follow on it.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_ENV = "NTLM_USER_FILE"
_env_lock = threading.Lock()


def user_file_text(users: Mapping[str, str]) -> str:
    """Heimdal lines DOMAIN:USER:PASSWORD (":USER@DOMAIN:PASSWORD" for UPNs).

    Passwords with a colon cannot be written in this format and are left out (Basic still works)."""
    lines = []
    for name, password in users.items():
        if ":" in password or ":" in name:
            continue
        domain, sep, user = name.partition("\\")
        lines.append(f"{domain}:{user}:{password}" if sep else f":{name}:{password}")
    return "\n".join(lines) + "\n"


@contextmanager
def _user_file(path: Path, users: Mapping[str, str]) -> Iterator[None]:
    with _env_lock:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(user_file_text(users))
        old = os.environ.get(_ENV)
        os.environ[_ENV] = str(path)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop(_ENV, None)
            else:
                os.environ[_ENV] = old


def step(
    conn: dict[str, Any], header: str, users: Mapping[str, str], workdir: Path
) -> tuple[str, str]:
    """Feed one `Authorization: NTLM ...` header. Returns (challenge, principal):
    a challenge to send back in a 401, or the authenticated principal ("DOMAIN\\user" or UPN);
    both empty when the logon is refused."""
    import spnego
    import spnego.exceptions

    scheme, _, token_text = header.partition(" ")
    try:
        token = base64.b64decode(token_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "", ""
    path = workdir / "ntlm-users"
    try:
        with _user_file(path, users):
            ctx = conn.get("ntlm")
            if ctx is None or token[8:9] == b"\x01":  # NEGOTIATE_MESSAGE starts a new handshake
                ctx = spnego.server(protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm)
                conn["ntlm"] = ctx
            out = ctx.step(token)
    except (spnego.exceptions.SpnegoError, ValueError, OSError):
        conn.pop("ntlm", None)
        return "", ""
    if out:
        return f"{scheme} {base64.b64encode(out).decode('ascii')}", ""
    conn.pop("ntlm", None)
    if not ctx.complete:
        return "", ""
    return "", str(ctx.client_principal or "")
