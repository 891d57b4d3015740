"""Bad certificate files and settings: one clear sentence, before any request, nothing lost."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.errors import UserInputError
from alloy_tui.core.signin import AppOnlySignIn, certificate
from alloy_tui.core.signin.app_only import check_app_only_settings
from tests.helpers.app_only import pem_with_validity, write_pem

NOW = dt.datetime.now(dt.UTC)


def good_pem() -> bytes:
    return certificate.create_pem(30)


def split(data: bytes) -> tuple[bytes, bytes]:
    cert_at = data.index(b"-----BEGIN CERTIFICATE-----")
    return data[:cert_at], data[cert_at:]


def refused(path: Path) -> str:
    with pytest.raises(UserInputError) as e:
        certificate.check_valid(certificate.load(path).info)
    text = str(e.value)
    assert "\n" not in text and "Traceback" not in text
    assert "PRIVATE KEY-----" not in text and "MII" not in text  # never the key itself
    return text


def test_wrong_mode(tmp_path: Path) -> None:
    path = write_pem(tmp_path / "app.pem", good_pem(), mode=0o644)
    text = refused(path)
    assert "mode 0644" in text and f"chmod 600 {path}" in text
    assert path.read_bytes()  # nothing changed or removed


def test_missing_file(tmp_path: Path) -> None:
    text = refused(tmp_path / "nope.pem")
    assert "does not exist" in text and "app-cert create --out" in text


def test_key_without_certificate(tmp_path: Path) -> None:
    key, _ = split(good_pem())
    assert "no certificate" in refused(write_pem(tmp_path / "k.pem", key))


def test_certificate_without_key(tmp_path: Path) -> None:
    _, cert = split(good_pem())
    assert "no private key" in refused(write_pem(tmp_path / "c.pem", cert))


def test_encrypted_key_is_refused_clearly(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key_pem, cert_pem = split(good_pem())
    key = serialization.load_pem_private_key(key_pem, password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    text = refused(write_pem(tmp_path / "enc.pem", encrypted + cert_pem))
    assert "encrypted with a passphrase" in text and "openssl pkey" in text


def test_key_of_another_certificate(tmp_path: Path) -> None:
    key, _ = split(good_pem())
    _, cert = split(good_pem())
    assert "does not belong to the certificate" in refused(
        write_pem(tmp_path / "m.pem", key + cert)
    )


def test_expired_certificate(tmp_path: Path) -> None:
    data = pem_with_validity(NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1))
    text = refused(write_pem(tmp_path / "old.pem", data))
    assert re.search(r"expired on \d{4}-\d\d-\d\d", text) and "app-cert create" in text


def test_not_yet_valid_certificate(tmp_path: Path) -> None:
    data = pem_with_validity(NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=10))
    assert "check this server's clock" in refused(write_pem(tmp_path / "new.pem", data))


def test_not_a_pem(tmp_path: Path) -> None:
    assert "not a PEM file" in refused(write_pem(tmp_path / "x.pem", b"hello"))


def _settings(**eo: str) -> Settings:
    base = {
        "auth": "certificate",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": "11111111-2222-3333-4444-555555555555",
        "mailbox": "alerts@contoso.com",
    }
    return Settings().with_section("exchange_online", **{**base, **eo})


def test_mailbox_missing_or_not_an_address() -> None:
    with pytest.raises(UserInputError, match="exchange_online.mailbox is not set"):
        check_app_only_settings(_settings(mailbox=""))
    with pytest.raises(UserInputError, match="e-mail address of the mailbox"):
        check_app_only_settings(_settings(mailbox="not an address"))


def test_organizations_tenant_is_refused() -> None:
    with pytest.raises(UserInputError, match="needs the tenant itself"):
        check_app_only_settings(_settings(tenant="organizations"))


def test_expired_certificate_is_refused_before_any_request(tmp_path: Path) -> None:
    data = pem_with_validity(NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1))
    pem = write_pem(tmp_path / "old.pem", data)
    s = _settings(certificate=str(pem), login_endpoint="https://127.0.0.1:9")  # nothing listens
    with pytest.raises(UserInputError, match="expired on"):
        AppOnlySignIn(s, tmp_path / "c.toml").get_token_info("graph")


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_file_owned_by_another_user(tmp_path: Path) -> None:
    path = write_pem(tmp_path / "theirs.pem", good_pem())
    os.chown(path, 65534, 65534)
    assert "belongs to user id 65534" in refused(path)
