"""login / status / test-send / logout with exchange_online.auth = "certificate", each a real
process (stdin closed, TERM=dumb) against a sandbox in this process."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from alloy_tui.core.signin import certificate
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_config, token_requests
from tests.helpers.cli import run as cli_run
from tests.helpers.m365 import (
    ACCOUNT,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path) -> Path:
    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    pem = tmp_path / "app.pem"
    sb.register_certificate(certificate.write_new(pem, 365).certificate_pem)
    return app_config(sb, tmp_path, pem)


run = partial(cli_run, timeout=60)


def test_login_status_test_send_logout(sb: Sandbox, cfg: Path) -> None:
    sb.clear_requests()
    login = run(cfg, "login")
    assert login.returncode == 0, login.stderr
    assert f"Sends as mailbox: {ACCOUNT}" in login.stdout
    assert sb.client_id in login.stdout and "roles Mail.Send" in login.stdout
    assert len(token_requests(sb)) == 1

    status = run(cfg, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    info = certificate.load(cfg.parent / "app.pem").info
    assert "Sign-in mode: app-only with a certificate" in status.stdout
    assert info.sha1 in status.stdout and f"{info.not_after:%Y-%m-%d}" in status.stdout
    assert "App token: works (from the token cache" in status.stdout
    assert "Warning: the certificate expires" not in status.stdout

    sb.clear_requests()
    sent = run(cfg, "test-send", "--to", "ops@contoso.example")
    assert sent.returncode == 0, sent.stderr
    assert token_requests(sb) == []  # the second process reused the cached app token
    (post,) = [r for r in sb.requests("graph")]
    assert post.path == f"/graph/v1.0/users/{ACCOUNT}/sendMail"
    assert sb.messages()[-1].from_address == ACCOUNT

    out = run(cfg, "logout")
    assert out.returncode == 0 and "Forgot 1 cached app token" in out.stdout
    again = run(cfg, "status")
    assert again.returncode == 0 and "acquired now" in again.stdout
    for proc in (login, status, sent, out, again):
        assert "sbx-" not in proc.stdout + proc.stderr and "eyJ" not in proc.stdout + proc.stderr
    log = (cfg.parent / "alert_log.jsonl").read_text()
    assert "signin.succeeded" in log and "test_message.sent" in log
    secrets = [
        *sb.issued_tokens(),
        "PRIVATE KEY",
        certificate.load(cfg.parent / "app.pem").private_key_pem[40:80],
    ]
    for secret in secrets:
        assert secret not in log
        assert secret not in (cfg.parent / "config.toml").read_text()


def test_status_warns_30_days_before_expiry(sb: Sandbox, cfg: Path) -> None:
    pem = cfg.parent / "app.pem"
    sb.register_certificate(certificate.write_new(pem, 20).certificate_pem)
    r = run(cfg, "status")
    assert r.returncode == 0
    assert "Warning: the certificate expires in 19 day(s)" in r.stdout
    assert "app-cert create --out" in r.stdout


def test_out_of_scope_mailbox_is_refused_and_explained(sb: Sandbox, cfg: Path) -> None:
    app_config(sb, cfg.parent, cfg.parent / "app.pem", mailbox="ceo@contoso.example")
    r = run(cfg, "test-send", "--to", "ops@contoso.example")
    assert r.returncode == 1
    assert "outside its scope" in r.stderr
    assert "New-ManagementScope" in r.stderr and "ceo@contoso.example" in r.stderr
    assert "Traceback" not in r.stderr


def test_login_with_unregistered_certificate_explains(sb: Sandbox, cfg: Path) -> None:
    certificate.write_new(cfg.parent / "app.pem", 30)  # a new key, not registered
    r = run(cfg, "login")
    assert r.returncode == 1
    assert "Certificate not registered on the app" in r.stderr
    assert "az ad app credential reset" in r.stderr
