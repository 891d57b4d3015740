"""The app-only certificate: make one (`app-cert create`), read one back, check it is usable.

One PEM file holds the unencrypted private key and its self-signed certificate; it is written
atomically with mode 0600 and refused unless it is 0600 and owned by the user reading it. The
private key never leaves `AppCredential.private_key_pem` (not in repr, logs or messages).
cryptography loads inside the functions that need it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from alloy_tui.core.config import Settings, paths
from alloy_tui.core.errors import UserInputError

DEFAULT_NAME = "app_certificate.pem"
DEFAULT_DAYS = 365
MAX_DAYS = 3650
KEY_BITS = 2048
EXPIRY_WARNING_DAYS = 30

_KEY_RE = re.compile(
    rb"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----.*?-----END [A-Z ]*KEY-----", re.S
)
_CERT_RE = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True)
class CertificateInfo:
    """What `app-cert create`, `status` and the wizard show about a certificate."""

    path: Path
    sha1: str  # hex, upper case: what the Entra admin center shows as Thumbprint
    sha256: str  # hex, upper case
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime | None = None) -> float:
        now = now or dt.datetime.now(dt.UTC)
        return (self.not_after - now).total_seconds() / 86400

    def expiry_text(self, now: dt.datetime | None = None) -> str:
        """'2027-12-02 (in 365 days)', '(expired 3 days ago)' or with a renewal warning."""
        left = self.days_left(now)
        day = self.not_after.strftime("%Y-%m-%d %H:%M UTC")
        if left < 0:
            return f"{day} (EXPIRED {int(-left)} day(s) ago)"
        if left < EXPIRY_WARNING_DAYS:
            return f"{day} (in {int(left)} day(s): renew it soon, see `alloy-tui app-cert create`)"
        return f"{day} (in {int(left)} days)"


@dataclass(frozen=True)
class AppCredential:
    """A usable certificate file: its facts and the PEM texts MSAL signs with."""

    info: CertificateInfo
    private_key_pem: str = field(repr=False)
    certificate_pem: str


def certificate_path(settings: Settings, config_path: Path) -> Path:
    """The configured certificate file (relative: next to the config), or the default."""
    return paths.resolve_setting_path(
        settings.exchange_online.certificate, config_path, DEFAULT_NAME
    )


def public_path(path: Path) -> Path:
    """Where `app-cert create` puts the certificate alone (for `az ... --cert @file`)."""
    return path.with_name(f"{path.stem}.public.pem")


def _fix_create(path: Path) -> str:
    return f"run `alloy-tui app-cert create --out {path}` to make a new one (then register it)."


def create_pem(days: int = DEFAULT_DAYS, subject: str = "alloy-tui app-only") -> bytes:
    """A new RSA 2048 key and a self-signed certificate valid for `days`, as one PEM (key first)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    if not 1 <= days <= MAX_DAYS:
        raise UserInputError(f"--days must be between 1 and {MAX_DAYS}, got {days}.")
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)


def write_new(path: Path, days: int = DEFAULT_DAYS) -> AppCredential:
    """Create the key and certificate and write them atomically (0600, folders 0700).

    Also writes the certificate alone to `public_path(path)` for the registration command.
    """
    from alloy_tui.core import fs

    data = create_pem(days)
    try:
        fs.make_folder(path.parent)
        fs.atomic_write(path, data)
        fs.atomic_write(public_path(path), _CERT_RE.search(data).group(0) + b"\n")  # type: ignore[union-attr]
    except fs.FolderError as e:
        raise UserInputError(f"cannot write the certificate: {e}.") from None
    except OSError as e:
        raise UserInputError(f"cannot write the certificate {path}: {fs.why(e)}.") from None
    return parse(data, path)


def keep_previous(path: Path) -> Path | None:
    """Before a new certificate replaces one: keep it as <name>.old (0600); it may still be
    the one registered on the app. Returns where it went (None: there was none)."""
    if not path.is_file():
        return None
    from alloy_tui.core import fs

    old = path.with_name(path.name + ".old")
    try:
        fs.atomic_write(old, path.read_bytes())
    except OSError as e:
        raise UserInputError(
            f"cannot keep the previous certificate as {old}: {fs.why(e)}."
        ) from None
    return old


def check_file(path: Path) -> None:
    """The file exists, is a regular file, mode 0600 (or stricter) and ours; else one sentence."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UserInputError(
            f"exchange_online.certificate: {path} does not exist. Fix: {_fix_create(path)}"
        ) from None
    except OSError as e:
        raise UserInputError(
            f"exchange_online.certificate: cannot read {path}: {e.strerror or e}."
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise UserInputError(f"exchange_online.certificate: {path} is not a file.")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise UserInputError(
            f"exchange_online.certificate: {path} has mode {mode:04o}, so other users can read the "
            f"private key; it must be 0600. Fix: `chmod 600 {path}` (and, since others could read "
            "it, consider making and registering a new one)."
        )
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise UserInputError(
            f"exchange_online.certificate: {path} belongs to user id {st.st_uid}, not to the user "
            f"running alloy-tui ({os.geteuid()}); it must be owned by this user. Fix: `chown "
            f"$(id -un) {path}` as root, or run alloy-tui as its owner."
        )


def load(path: Path) -> AppCredential:
    """Read and check the certificate file (mode, owner, key and certificate present, matching)."""
    check_file(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserInputError(
            f"exchange_online.certificate: cannot read {path}: {e.strerror or e}."
        ) from None
    return parse(data, path)


def parse(data: bytes, path: Path) -> AppCredential:
    """The key and certificate of one PEM file; UserInputError naming what is missing or wrong."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    where = f"exchange_online.certificate: {path}"
    key_match, cert_match = _KEY_RE.search(data), _CERT_RE.search(data)
    if key_match is None and cert_match is None:
        raise UserInputError(f"{where} is not a PEM file with a private key and a certificate.")
    if cert_match is None:
        raise UserInputError(
            f"{where} holds a private key but no certificate (-----BEGIN CERTIFICATE-----); append "
            f"the certificate to it (`cat app.crt >> {path}`), or {_fix_create(path)}"
        )
    if key_match is None:
        raise UserInputError(
            f"{where} holds a certificate but no private key; alloy-tui signs with the key, so the "
            f"file must hold both (key first, then the certificate). Fix: {_fix_create(path)}"
        )
    key_pem = key_match.group(0)
    if b"ENCRYPTED" in key_pem or b"Proc-Type: 4,ENCRYPTED" in data:
        raise UserInputError(
            f"{where}: the private key is encrypted with a passphrase. alloy-tui runs unattended "
            "and keeps no passphrase, so it needs the key unencrypted in a 0600 file: "
            f"`openssl pkey -in {path} -out key.pem` (asks for the passphrase), then "
            "`cat key.pem cert.pem > app.pem; chmod 600 app.pem`; or " + _fix_create(path)
        )
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        cert = x509.load_pem_x509_certificate(cert_match.group(0))
    except (ValueError, TypeError) as e:
        raise UserInputError(f"{where}: the key or certificate cannot be read ({e}).") from None
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise UserInputError(
            f"{where}: the private key does not belong to the certificate in the same file. Fix: "
            + _fix_create(path)
        )
    info = CertificateInfo(
        path=path,
        sha1=cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 - Entra's x5t thumbprint
        sha256=cert.fingerprint(hashes.SHA256()).hex().upper(),
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
    return AppCredential(info, key_pem.decode("ascii"), cert_match.group(0).decode("ascii"))


def check_valid(info: CertificateInfo, now: dt.datetime | None = None) -> None:
    """Refuse, before any request, a certificate that has expired or is not valid yet."""
    now = now or dt.datetime.now(dt.UTC)
    if now >= info.not_after:
        raise UserInputError(
            f"exchange_online.certificate: the certificate in {info.path} expired on "
            f"{info.not_after:%Y-%m-%d}; Entra ID refuses assertions signed with it. "
            f"Run `alloy-tui app-cert create --out {info.path}` and register the new one "
            "(`az ad app credential reset ... --append`, printed by that command)."
        )
    if now < info.not_before:
        raise UserInputError(
            f"exchange_online.certificate: the certificate in {info.path} is valid only from "
            f"{info.not_before:%Y-%m-%d %H:%M} UTC; check this server's clock (`timedatectl`)."
        )
