"""The SMTP listener's TLS in tests: a throwaway certificate (trustme) and a client that trusts it."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


def tls_files(folder: Path) -> tuple[str, ssl.SSLContext]:
    """[smtpd] lines for a throwaway certificate for 127.0.0.1, and a client that trusts it."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "smtpd.pem"))
    cert.private_key_pem.write_to_path(str(folder / "smtpd.key"))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    lines = f'tls_certificate = "{folder / "smtpd.pem"}"\ntls_key = "{folder / "smtpd.key"}"\n'
    return lines, client
