"""`logout` works for every service: with service = "smtp" (or "exchange-server") it forgets
whatever Microsoft tokens an earlier Exchange Online setup left in the token cache (a real
device-code sign-in against the sandbox, in separate processes), and says so; with nothing
cached it says that, exit 0 both times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import ACCOUNT

CLI = [sys.executable, "-m", "alloy_tui"]


def run(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    return subprocess.run(
        [*CLI, "--config", str(cfg), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


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
