"""`alloy-tui app-cert create` in a real process: the PEM (0600), thumbprints, expiry, commands."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

from alloy_tui.core.signin import certificate
from tests.helpers.cli import run as cli_run

CLIENT = "11111111-2222-3333-4444-555555555555"


def run(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli_run(cfg, *args, timeout=60, env={"ALLOY_TUI_STATE_DIR": str(cfg.parent)})


def write_cfg(path: Path, extra: str = "") -> Path:
    path.write_text(
        'service = "exchange-online"\n[exchange_online]\n'
        f'tenant = "contoso.onmicrosoft.com"\nclient_id = "{CLIENT}"\n'
        f'mailbox = "alerts@contoso.com"\n{extra}',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def test_create_writes_0600_pem_and_prints_thumbprints_and_commands(tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "config.toml")
    out = tmp_path / "keys" / "app.pem"
    r = run(cfg, "app-cert", "create", "--out", str(out), "--days", "30")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    cred = certificate.load(out)
    assert cred.info.days_left() > 29
    assert f"Thumbprint (SHA-1):   {cred.info.sha1}" in r.stdout
    assert f"Thumbprint (SHA-256): {cred.info.sha256}" in r.stdout
    assert f"Expires: {cred.info.not_after:%Y-%m-%d}" in r.stdout
    public = certificate.public_path(out)
    assert f"az ad app credential reset --id {CLIENT} --cert @{public} --append" in r.stdout
    assert b"PRIVATE KEY" not in public.read_bytes()
    for needed in (
        f"New-ServicePrincipal -AppId {CLIENT}",
        'New-ManagementScope -Name "alloy-tui alerts@contoso.com" '
        "-RecipientRestrictionFilter \"PrimarySmtpAddress -eq 'alerts@contoso.com'\"",
        f'New-ManagementRoleAssignment -App {CLIENT} -Role "Application Mail.Send"',
        f"Test-ServicePrincipalAuthorization -Identity {CLIENT} -Resource alerts@contoso.com",
        "30 minutes to 2 hours",
        "every mailbox",
    ):
        assert needed in r.stdout
    assert 'certificate = "' in r.stdout  # the config does not name it yet
    assert "Mail.ReadWrite" not in r.stdout  # large messages are off: no draft permission
    assert "PRIVATE KEY" not in r.stdout + r.stderr


def test_create_at_the_configured_path_replaces_it_and_keeps_the_old_one(tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    cfg = write_cfg(
        tmp_path / "config.toml", f'auth = "certificate"\ncertificate = "{pem}"\napi = "ews"\n'
    )
    first = run(cfg, "app-cert", "create")
    assert first.returncode == 0, first.stderr
    old = certificate.load(pem).info.sha1
    again = run(cfg, "app-cert", "create", "--out", str(pem))
    assert again.returncode == 0, again.stderr
    assert certificate.load(pem).info.sha1 != old
    kept = pem.with_name("app.pem.old")
    assert certificate.load(kept).info.sha1 == old
    assert '-Role "Application EWS.AccessAsApp"' in again.stdout
    assert "Then in" not in again.stdout  # already configured
    assert not re.search(r"Traceback", again.stderr)


def test_bad_days_is_a_clear_error(tmp_path: Path) -> None:
    cfg = write_cfg(tmp_path / "config.toml")
    r = run(cfg, "app-cert", "create", "--out", str(tmp_path / "x.pem"), "--days", "0")
    assert r.returncode == 2
    assert "--days" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.pem").exists()


def test_with_large_messages_the_commands_assign_mail_readwrite(tmp_path: Path) -> None:
    readwrite = f'New-ManagementRoleAssignment -App {CLIENT} -Role "Application Mail.ReadWrite"'
    cfg = write_cfg(tmp_path / "config.toml", "large_messages = true\n")
    r = run(cfg, "app-cert", "create", "--out", str(tmp_path / "app.pem"))
    assert r.returncode == 0, r.stderr
    assert readwrite in r.stdout and '-Role "Application Mail.Send"' in r.stdout
    cfg = write_cfg(tmp_path / "config.toml")
    r = run(cfg, "app-cert", "create", "--out", str(tmp_path / "other.pem"))
    assert r.returncode == 0 and "Mail.ReadWrite" not in r.stdout
