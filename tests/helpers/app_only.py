"""Helpers for the app-only (certificate) tests: certificate files and settings for a sandbox."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.signin import certificate
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import ACCOUNT, settings_for


def write_pem(path: Path, data: bytes, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def pem_with_validity(not_before: dt.datetime, not_after: dt.datetime) -> bytes:
    """Key + self-signed certificate with the given validity (e.g. already expired)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def new_certificate(path: Path) -> certificate.AppCredential:
    return certificate.write_new(path, 30)


def app_settings(
    sb: Sandbox, workdir: Path, cert: Path, *, mailbox: str = ACCOUNT, api: str = "graph", **eo: Any
) -> Settings:
    return settings_for(
        sb, workdir, api=api, auth="certificate", certificate=str(cert), mailbox=mailbox, **eo
    )


def token_requests(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests("entra") if r.path.endswith("/token")]


def app_config(
    sb: Sandbox,
    workdir: Path,
    pem: Path,
    mailbox: str = ACCOUNT,
    api: str = "graph",
    extra: str = "",
) -> Path:
    """A sandbox config.toml with auth = "certificate" (`extra`: more TOML at the end)."""
    text = config_text(sb, workdir, api=api).replace(
        "[exchange_online]\n",
        f'[exchange_online]\nauth = "certificate"\ncertificate = "{pem}"\nmailbox = "{mailbox}"\n',
    )
    path = workdir / "config.toml"
    write_config(path, text + extra)
    return path
