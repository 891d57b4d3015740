"""`logout` works for every service: with service = "smtp" (or "exchange-server") it forgets
whatever Microsoft tokens an earlier Exchange Online setup left in the token cache (a real
device-code sign-in against the sandbox, in separate processes), and says so; with nothing
cached it says that, exit 0 both times."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.cli import run as cli_run
from tests.helpers.m365 import ACCOUNT

run = partial(cli_run, timeout=60)


@pytest.mark.parametrize("service", ["smtp", "exchange-server"])
def test_logout_forgets_old_microsoft_tokens_for_any_service(
    sb: Sandbox, tmp_path: Path, service: str
) -> None:
    sb.clear_scenarios()
    sb.auto_approve_after = 0
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path))
    assert run(cfg, "login").returncode == 0
    cache = tmp_path / "token_cache.json"
    assert json.loads(cache.read_text())["RefreshToken"]  # a refresh token is cached

    text = cfg.read_text().replace('service = "exchange-online"', f'service = "{service}"')
    cfg.write_text(text)
    out = run(cfg, "logout")
    assert out.returncode == 0, out.stderr
    assert f"Signed out {ACCOUNT}" in out.stdout and str(cache) in out.stdout
    left = json.loads(cache.read_text())
    for kind in ("RefreshToken", "AccessToken", "IdToken", "Account"):
        assert not left.get(kind), (kind, left.get(kind))

    out = run(cfg, "logout")  # nothing left: said, still exit 0
    assert out.returncode == 0 and "No Microsoft account was signed in" in out.stdout


def test_logout_with_no_token_cache_for_smtp(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\n'
        f'[exchange_online]\ntoken_cache = "{tmp_path / "cache.json"}"\n'
        f'[alert_log]\npath = "{tmp_path / "log.jsonl"}"\n'
    )
    out = run(cfg, "logout")
    assert out.returncode == 0 and "No Microsoft account was signed in" in out.stdout
    assert not (tmp_path / "cache.json").exists()  # nothing made


def test_logout_forgets_app_tokens_too(sb: Sandbox, tmp_path: Path) -> None:
    """An app-only (certificate) sign-in left a cached app token; with service = "smtp" now,
    `logout` removes it as well."""
    from alloy_tui.core.signin import certificate
    from tests.helpers.app_only import app_config

    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    pem = tmp_path / "app.pem"
    sb.register_certificate(certificate.write_new(pem, 365).certificate_pem)
    cfg = app_config(sb, tmp_path, pem)
    assert run(cfg, "login").returncode == 0
    cache = tmp_path / "token_cache.json"
    assert json.loads(cache.read_text())["AccessToken"]
    cfg.write_text(cfg.read_text().replace('service = "exchange-online"', 'service = "smtp"'))
    out = run(cfg, "logout")
    assert out.returncode == 0 and "Forgot 1 cached app token(s)" in out.stdout, out.stdout
    assert not json.loads(cache.read_text()).get("AccessToken")


def test_device_code_logout_also_forgets_the_certificate_modes_app_token(
    sb: Sandbox, tmp_path: Path
) -> None:
    from alloy_tui.core.signin import certificate
    from tests.helpers.app_only import app_config

    sb.clear_scenarios()
    sb.auto_approve_after = 0
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    pem = tmp_path / "app.pem"
    sb.register_certificate(certificate.write_new(pem, 365).certificate_pem)
    cfg = app_config(sb, tmp_path, pem)
    assert run(cfg, "login").returncode == 0  # an app token in the cache
    write_config(cfg, config_text(sb, tmp_path))  # now device code, same cache
    assert run(cfg, "login").returncode == 0
    out = run(cfg, "logout")
    assert out.returncode == 0, out.stderr
    assert f"Signed out {ACCOUNT}" in out.stdout
    assert "Also forgot what the other sign-in mode left: 1 app token(s)." in out.stdout
    left = json.loads((tmp_path / "token_cache.json").read_text())
    assert not left.get("AccessToken") and not left.get("RefreshToken")
