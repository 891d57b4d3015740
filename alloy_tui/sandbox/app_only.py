"""App-only (client credentials) in the sandbox: the certificates registered on the sandbox app,
the client-credentials grant with a signed assertion (private_key_jwt), app tokens with `roles`,
and the app's mailbox scope (Exchange RBAC for Applications) that Graph and EWS enforce.

Refusals follow Entra ID: AADSTS700027 (certificate not registered, expired, bad signature),
AADSTS700024 (assertion outside its time range), AADSTS50027 (malformed assertion, e.g. the
text ``b'eyJ...'`` an HTTP client makes of bytes), AADSTS1002012 (scope without /.default).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from alloy_tui.sandbox.aad import EWS_HOSTS, GRAPH_HOSTS, aad_error, b64url
from alloy_tui.sandbox.store import DEFAULT_ACCOUNT, TokenRecord
from alloy_tui.sandbox.wire import Request, Response, html_response, json_response

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

    from alloy_tui.sandbox.server import Sandbox

GRANT = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PAGE = "/appcerts"
CLOCK_SKEW = 300.0  # seconds Entra tolerates on exp / nbf
GRAPH_ROLES = ("Mail.Send", "Mail.ReadWrite")
EWS_ROLES = ("EWS.AccessAsApp", "full_access_as_app")


@dataclass
class AppOnly:
    """The sandbox app's app-only side. Guarded by the sandbox state's lock."""

    certificates: dict[str, Certificate] = field(default_factory=dict)  # SHA-1 hex -> cert
    # Application roles granted with admin consent (what the token's `roles` claim carries).
    roles: tuple[str, ...] = ("Mail.Send", "EWS.AccessAsApp")
    # The mailboxes the app may act on (its management scope); None: unscoped (every mailbox).
    scope: set[str] | None = field(default_factory=lambda: {DEFAULT_ACCOUNT})
    # The JOSE header of the last assertion seen (alg, x5t / x5t#S256; nothing secret).
    last_header: dict[str, Any] = field(default_factory=dict)

    def register(self, pem_or_cert: str | bytes | Certificate) -> str:
        """Add a certificate (PEM text, bytes, or a cryptography Certificate); returns its SHA-1."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        cert = pem_or_cert
        if isinstance(cert, str):
            cert = cert.encode("ascii")
        if isinstance(cert, bytes):
            start = cert.find(b"-----BEGIN CERTIFICATE-----")
            if start < 0:
                raise ValueError("no -----BEGIN CERTIFICATE----- block in the text")
            cert = x509.load_pem_x509_certificate(cert[start:])
        sha1 = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - x5t
        self.certificates[sha1] = cert
        return sha1

    def find(self, header: dict[str, Any]) -> Certificate | None:
        from cryptography.hazmat.primitives import hashes

        for name, algo in (("x5t#S256", hashes.SHA256()), ("x5t", hashes.SHA1())):  # noqa: S303
            wanted = _thumb(header.get(name))
            if not wanted:
                continue
            for cert in self.certificates.values():
                if cert.fingerprint(algo).hex().upper() == wanted:
                    return cert
        return None

    def in_scope(self, mailbox: str) -> bool:
        return self.scope is None or mailbox.lower() in self.scope


def _thumb(value: object) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex().upper()
    except (binascii.Error, ValueError):
        return ""


def _b64json(part: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _audience(scopes: list[str]) -> str:
    """ "graph" or "ews" for exactly one `<resource>/.default` scope, else ""."""
    if len(scopes) != 1 or not scopes[0].lower().endswith("/.default"):
        return ""
    low = scopes[0].lower()
    for hosts, name in ((GRAPH_HOSTS, "graph"), (EWS_HOSTS, "ews")):
        if any(low in (f"https://{h}/.default", f"{h}/.default") for h in hosts):
            return name
    return ""


def _verify(cert: Certificate, alg: str, signing_input: bytes, signature: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    if alg == "RS256":
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    elif alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    else:
        return False
    try:
        key.verify(signature, signing_input, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def token(sandbox: Sandbox, req: Request, tenant: str, form: dict[str, str]) -> Response:
    """The client-credentials grant with a certificate assertion."""
    scopes = form.get("scope", "").split()
    audience = _audience(scopes)
    if not audience:
        return aad_error(
            sandbox,
            req,
            "invalid_scope",
            1002012,
            f"The provided value for scope {' '.join(scopes)} is not valid. Client credential flows "
            "must have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    assertion = form.get("client_assertion", "")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
        return aad_error(
            sandbox,
            req,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the "
            "'client_credentials' grant type.",
            status=401,
        )
    problem = check_assertion(sandbox, tenant, assertion)
    if problem is not None:
        code, text = problem
        return aad_error(sandbox, req, "invalid_client", code, text, status=401)
    from alloy_tui.sandbox.entra import common_blocks

    blocked = common_blocks(sandbox, req, tuple(scopes))
    if blocked is not None:
        return blocked
    return issue(sandbox, audience, scopes[0])


def check_assertion(sandbox: Sandbox, tenant: str, assertion: str) -> tuple[int, str] | None:
    """(AADSTS code, text) when the assertion is refused, else None."""
    parts = assertion.split(".")
    header = _b64json(parts[0]) if len(parts) == 3 else None
    claims = _b64json(parts[1]) if header is not None else None
    if header is None or claims is None:
        return 50027, "JWT token is invalid or malformed."
    with sandbox.state.lock:
        sandbox.app_only.last_header = dict(header)
    client = sandbox.client_id.lower()
    if str(claims.get("iss", "")).lower() != client or str(claims.get("sub", "")).lower() != client:
        return (
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        )
    expected_aud = f"{sandbox.base_url}/{tenant}/oauth2/v2.0/token".lower()
    if str(claims.get("aud", "")).lower() != expected_aud:
        return 50027, (
            f"Invalid JWT token: the assertion's audience (aud) must be the token endpoint "
            f"{expected_aud}."
        )
    now = time.time()
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat", now))
    if not isinstance(exp, int | float) or not isinstance(nbf, int | float):
        return 50027, "JWT token is invalid or malformed (exp/nbf)."
    if exp < now - CLOCK_SKEW or nbf > now + CLOCK_SKEW:
        return 700024, (
            f"Client assertion is not within its valid time range. Current time: {_iso(now)}, "
            f"assertion valid from {_iso(nbf)}, expiry time of assertion {_iso(exp)}."
        )
    with sandbox.state.lock:
        cert = sandbox.app_only.find(header)
    thumb = _thumb(header.get("x5t#S256")) or _thumb(header.get("x5t")) or "(none)"
    tail = (
        f"Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph "
        f"Explorer or directly use MS Graph to see configured keys for app Id '{sandbox.client_id}'."
    )
    if cert is None:
        return 700027, (
            "Client assertion failed signature validation. [Reason - The key was not found., "
            f"{tail}]"
        )
    if cert.not_valid_after_utc.timestamp() < now:
        return (
            700027,
            f"Client assertion contains an invalid signature. [Reason - The key used is expired., {tail}]",
        )
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    try:
        signature = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        return 50027, "JWT token is invalid or malformed."
    if not _verify(cert, str(header.get("alg", "")), signing_input, signature):
        return 700027, (
            "Client assertion contains an invalid signature. [Reason - The provided signature "
            f"value did not match the expected signature value., {tail}]"
        )
    return None


def _iso(ts: float) -> str:
    return time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(ts))


def issue(sandbox: Sandbox, audience: str, scope: str) -> Response:
    """An app token (JWT-shaped, with `roles` when consent was granted) for Graph or EWS."""
    wanted = GRAPH_ROLES if audience == "graph" else EWS_ROLES
    with sandbox.state.lock:
        roles = [r for r in sandbox.app_only.roles if r in wanted]
    now = int(time.time())
    lifetime = int(sandbox.access_token_lifetime)
    claims: dict[str, Any] = {
        "aud": scope[: -len("/.default")],
        "iss": f"https://sts.windows.net/{sandbox.tenant}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": sandbox.client_id,
        "idtyp": "app",
        "oid": sandbox.state.oid("app:" + sandbox.client_id),
        "tid": sandbox.tenant,
        "uti": uuid.uuid4().hex,
    }
    if roles:
        claims["roles"] = roles
    header = {"typ": "JWT", "alg": "RS256", "kid": "sandbox"}
    value = ".".join(
        [
            b64url(json.dumps(header).encode()),
            b64url(json.dumps(claims).encode()),
            b64url(secrets.token_bytes(32)),
        ]
    )
    rec = TokenRecord(
        value=value,
        kind="access",
        account="",
        audience=audience,
        scopes=tuple(roles),
        expires_at=time.time() + lifetime,
        client_id=sandbox.client_id,
        app=True,
    )
    with sandbox.state.lock:
        sandbox.state.tokens[value] = rec
    return json_response(
        200,
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": value,
        },
    )


def page(sandbox: Sandbox, req: Request) -> Response:
    """The sandbox page that registers a certificate on the sandbox app (paste the PEM)."""
    problem = ""
    if req.method == "POST":
        pem = req.form().get("cert", "")
        try:
            with sandbox.state.lock:
                sandbox.app_only.register(pem)
        except ValueError as e:
            problem = f"Not a certificate: {e}"
    with sandbox.state.lock:
        thumbs = sorted(sandbox.app_only.certificates)
        scope = sandbox.app_only.scope
    listed = "".join(f"<li><code>{escape(t)}</code></li>" for t in thumbs) or "<li>none</li>"
    scoped = ", ".join(sorted(scope)) if scope is not None else "every mailbox (unscoped)"
    warn = f"<p><strong>{escape(problem)}</strong></p>" if problem else ""
    from alloy_tui.sandbox.pages import page as html_page

    return html_response(
        400 if problem else 200,
        html_page(
            "Alloy sandbox app certificates",
            f"{warn}<p>Certificates registered on the sandbox app {escape(sandbox.client_id)} "
            f"(SHA-1 thumbprints):</p><ul>{listed}</ul><p>The app may send as: "
            f"{escape(scoped)}.</p><form method='post' action='{PAGE}'><label>Certificate (PEM)"
            "<br><textarea name='cert' rows='12' cols='64'></textarea></label>"
            "<button type='submit'>Register</button></form>",
        ),
    )
