"""`alloy-tui keepalive` against a real sandbox (msal and httpx over HTTPS, nothing patched):
the refresh token rotates while the access token is still valid, the time is kept for
`status`, and each way Entra ID says "sign in again" is explained, logged and alerted once."""

from __future__ import annotations

import json
import stat
from functools import partial
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import write_config
from tests.helpers.alert_receivers import SyslogReceiver
from tests.helpers.cli import run as cli_run
from tests.helpers.cli import signed_in_config, syslog_receiver  # noqa: F401 - fixture `syslog`


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path, syslog: SyslogReceiver) -> Path:
    return signed_in_config(sb, tmp_path)


run = partial(cli_run, syslog=True)


def refresh_tokens(cache: Path) -> set[str]:
    data = json.loads(cache.read_text())
    return {str(v["secret"]) for v in data.get("RefreshToken", {}).values()}


def entries(tmp_path: Path, event: str) -> list[dict[str, object]]:
    lines = (tmp_path / "alert_log.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]


def test_keepalive_rotates_the_refresh_token_and_status_shows_when(
    sb: Sandbox, cfg: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "token_cache.json"
    before = refresh_tokens(cache)
    sb.clear_requests()
    r = run(cfg, "keepalive")
    assert r.returncode == 0, r.stderr
    assert "Sign-in refreshed for alerts@contoso.example" in r.stdout
    grants = [q.form.get("grant_type") for q in sb.requests("entra") if q.method == "POST"]
    assert grants == ["refresh_token"]  # the access token was still valid: refreshed anyway
    after = refresh_tokens(cache)
    assert after and after != before  # the rotated refresh token was saved
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    state = tmp_path / "queue" / "health.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    text = state.read_text()
    assert "last_refresh" in text
    assert not any(t in text for t in sb.issued_tokens())  # never a token
    assert entries(tmp_path, "signin.refreshed")[-1]["level"] == "info"
    status = run(cfg, "status")
    assert "Last keep-alive refresh: " in status.stdout
    assert "(0 min ago)" in status.stdout


@pytest.mark.parametrize(
    ("scenario", "options", "code", "words"),
    [
        ("refresh_rejected", {"code": 700082}, "AADSTS700082", "not used for 90 days"),
        ("refresh_rejected", {"code": 50173}, "AADSTS50173", "password was changed"),
        ("refresh_rejected", {"code": 50133}, "AADSTS50133", "password change or session"),
        ("refresh_rejected", {"code": 70043}, "AADSTS70043", "sign-in frequency"),
        ("consent_required", {}, "AADSTS65001", "consent"),
        ("ca_blocked", {}, "AADSTS53003", "Conditional Access"),
    ],
)
def test_sign_in_needed_is_explained_logged_and_alerted_once(
    sb: Sandbox,
    cfg: Path,
    tmp_path: Path,
    syslog: SyslogReceiver,
    scenario: str,
    options: dict[str, int],
    code: str,
    words: str,
) -> None:
    sb.set_scenario(scenario, **options)
    r = run(cfg, "keepalive")
    assert r.returncode == 1
    assert r.stderr.startswith("alloy-tui: Sign-in needed for alerts@contoso.example")
    assert words.lower() in r.stderr.lower()
    assert "Fix: " in r.stderr and "Traceback" not in r.stderr
    entry = entries(tmp_path, "signin.needed")[-1]
    assert entry["level"] == "error"
    assert entry["details"]["error_code"] == code  # type: ignore[index]
    got = syslog.lines(wait=2)
    assert len(got) == 1 and got[0].startswith("<27>alloy-tui[")  # daemon.err
    assert "Sign-in needed" in got[0]
    assert run(cfg, "keepalive").returncode == 1  # still needed: no second alert within 6 h
    assert len(syslog.lines(wait=0.5, count=2)) == 1
    sb.clear_scenarios()
    assert run(cfg, "keepalive").returncode == 0  # recovered: a notice, always sent
    got = syslog.lines(wait=2, count=2)
    assert len(got) == 2 and got[1].startswith("<29>alloy-tui[")  # daemon.notice
    assert "works again" in got[1]


def test_a_network_failure_is_retried_later_without_an_alert(
    sb: Sandbox, cfg: Path, tmp_path: Path, syslog: SyslogReceiver
) -> None:
    # Same token cache, but the sign-in endpoint is a port where nothing listens.
    text = cfg.read_text().replace(sb.login_endpoint, "https://127.0.0.1:9")
    down = tmp_path / "down.toml"
    write_config(down, text)
    r = run(down, "keepalive")
    assert r.returncode == 1
    assert "could not be refreshed now (tried again later)" in r.stderr
    assert "tries again in 15 minutes" in r.stderr
    assert entries(tmp_path, "signin.refresh_failed")[-1]["level"] == "warning"
    assert entries(tmp_path, "signin.needed") == []
    assert syslog.lines(wait=0.5) == []
    state = json.loads((tmp_path / "queue" / "health.json").read_text())
    assert state["signin"]["needed"] is False


def test_other_services_have_nothing_to_keep_alive(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    write_config(cfg, 'service = "smtp"\n[smtp]\nhost = "mail.example.com"\n')
    r = run(cfg, "keepalive")
    assert r.returncode == 0
    assert "Nothing to keep alive" in r.stdout
