"""Acceptance hardening of sign-in: change account, the token-cache fast path, re-consent for
delegation, the cache file (atomic writes, 0600 lock, damaged files) and `status` exit codes.

msal, httpx and the CLI run for real against the sandbox; nothing is patched.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message
from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.core.signin import cache_read as auth_cache
from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import ACCOUNT, log_entries, settings_for, sign_in, signed_in_at

OTHER = "ops@contoso.example"


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.clear_scenarios()
    sb.auto_approve_after = None
    sb.auto_approve_account = ACCOUNT
    yield
    sb.clear_scenarios()
    sb.auto_approve_after = None
    sb.auto_approve_account = ACCOUNT


def cache_json(settings: Any) -> dict[str, Any]:
    return json.loads(Path(settings.exchange_online.token_cache).read_text())


def usernames(settings: Any) -> list[str]:
    return sorted(a["username"] for a in cache_json(settings).get("Account", {}).values())


# ------------------------------------------------------------------------------ change account


def test_change_account_removes_the_old_accounts_tokens(sb: Sandbox, tmp_path: Path) -> None:
    s, cfg = signed_in_at(sb, tmp_path)
    old_tokens = sb.issued_tokens()
    bound = s.with_section("exchange_online", account=ACCOUNT)
    assert SignIn(bound, cfg).get_token("graph") in old_tokens

    # "Change": a new device flow with another account, from the config bound to the old one.
    signin = sign_in(sb, bound, cfg, account=OTHER)
    # Until the config naming the new account is saved, the old account keeps working.
    assert signin.replaced == [] and usernames(s) == sorted([ACCOUNT, OTHER])
    old_again = SignIn(bound, cfg)
    assert old_again.current_account().username == ACCOUNT  # type: ignore[union-attr]
    assert old_again.get_token("graph") in old_tokens
    assert old_again.username() == ACCOUNT
    # The config now names OTHER: the second half of Change removes the old account.
    assert signin.forget_other_accounts(keep=OTHER) == [ACCOUNT]
    assert signin.replaced == [ACCOUNT]
    assert usernames(s) == [OTHER]  # exactly one account left for this app
    text = Path(s.exchange_online.token_cache).read_text()
    assert not [t for t in old_tokens if t in text]  # no token of the old account is kept
    assert SignIn(bound, cfg).current_account() is None
    assert SignIn(s.with_section("exchange_online", account=OTHER), cfg).get_token("graph")
    out = log_entries(s)[-1]
    assert out["event"] == "signin.signed_out" and out["details"]["replaced_by"] == OTHER
    assert ACCOUNT in out["message"]


def test_forget_other_accounts_never_removes_the_only_working_account(
    sb: Sandbox, tmp_path: Path
) -> None:
    s, cfg = signed_in_at(sb, tmp_path, account=ACCOUNT)
    signin = SignIn(s, cfg)
    assert signin.forget_other_accounts(keep="nobody@contoso.example") == []
    assert signin.forget_other_accounts(keep="") == []
    assert signin.forget_other_accounts(keep=ACCOUNT.upper()) == []
    assert usernames(s) == [ACCOUNT] and SignIn(s, cfg).get_token("graph")
    assert "signin.signed_out" not in [e["event"] for e in log_entries(s)]


def test_signing_in_again_with_the_same_account_removes_nothing(
    sb: Sandbox, tmp_path: Path
) -> None:
    s, cfg = signed_in_at(sb, tmp_path, account=ACCOUNT)
    again = sign_in(sb, s, cfg)
    assert again.replaced == [] and usernames(s) == [ACCOUNT]
    assert "signin.signed_out" not in [e["event"] for e in log_entries(s)]


def test_cli_login_with_another_account_says_who_was_signed_out(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path))
    sb.auto_approve_after = 0
    first = CliRunner().invoke(cli, ["--config", str(cfg), "login"], catch_exceptions=False)
    assert first.exit_code == 0 and "Signed out" not in first.stdout
    sb.auto_approve_account = OTHER
    second = CliRunner().invoke(cli, ["--config", str(cfg), "login"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert f"<{OTHER}>" in second.stdout
    assert f"Signed out {ACCOUNT}: its tokens were removed" in second.stdout
    assert f'account = "{OTHER}"' in cfg.read_text()
    cache = json.loads((tmp_path / "token_cache.json").read_text())
    assert [a["username"] for a in cache["Account"].values()] == [OTHER]


# ------------------------------------------------------------------------------ fast path


def test_fast_path_sends_no_request_for_a_valid_cached_token(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path)
    first = sign_in(sb, s, cfg).get_token("graph")
    sb.clear_requests()
    assert SignIn(s, cfg).get_token("graph") == first
    assert sb.requests() == []  # not even the OIDC discovery MSAL's constructor sends


def test_fast_path_never_uses_a_token_of_another_tenant(sb: Sandbox, tmp_path: Path) -> None:
    s, cfg = signed_in_at(sb, tmp_path)
    tokens = sb.issued_tokens()
    other = s.with_section("exchange_online", tenant="0f0f0f0f-1111-2222-3333-444455556666")
    with pytest.raises(ExplainedError) as ei:
        got = SignIn(other, cfg).get_token("graph")
        assert got not in tokens
    assert ei.value.explanation.code == "AADSTS90002"  # MSAL asked the (unknown) tenant


def test_fast_path_wants_every_scope(sb: Sandbox, tmp_path: Path) -> None:
    """Delegation on: a cached token without Mail.Send.Shared is not good enough."""
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path)
    plain = sign_in(sb, s, cfg).get_token("graph")
    sb.clear_requests()
    shared = SignIn(s.with_section("exchange_online", from_delegation=True), cfg)
    token = shared.get_token("graph")
    assert token != plain
    scopes = [r.form.get("scope", "") for r in sb.requests("entra") if r.path.endswith("/token")]
    assert len(scopes) == 1 and "Mail.Send.Shared" in scopes[0]


def at_entry(**kw: Any) -> dict[str, Any]:
    e = {
        "credential_type": "AccessToken",
        "home_account_id": "uid.tid",
        "environment": "login.example",
        "client_id": "app",
        "realm": "tid",
        "target": "https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read",
        "secret": "the-right-one",
        "token_type": "Bearer",
        "expires_on": str(int(time.time()) + 3600),
    }
    e.update(kw)
    return e


ACCT = {"home_account_id": "uid.tid", "environment": "login.example"}
SCOPES = ["https://graph.microsoft.com/Mail.Send", "https://graph.microsoft.com/User.Read"]


@pytest.mark.parametrize(
    "wrong",
    [
        {"home_account_id": "other.tid"},
        {"environment": "login.elsewhere"},
        {"client_id": "another-app"},
        {"realm": "another-tenant"},
        {"target": "https://graph.microsoft.com/Mail.Send"},
        {"target": "https://outlook.office365.com/EWS.AccessAsUser.All"},
        {"expires_on": str(int(time.time()) + 299)},  # under 5 minutes left: MSAL refreshes
        {"expires_on": str(int(time.time()) - 10)},
        {"expires_on": "soon"},
        {"refresh_on": str(int(time.time()) - 1)},  # due for a refresh
        {"token_type": "pop"},
        {"key_id": "k1"},
        {"ext_cache_key": "x"},
        {"secret": ""},
    ],
    # The same ids on every xdist worker: a time stamp is named, not printed.
    ids=lambda w: (
        next(iter(w))
        + "="
        + ("<time>" if str(next(iter(w.values()))).isdigit() else str(next(iter(w.values())))[:20])
    ),
)
def test_fast_path_rejects_a_token_that_is_not_exactly_right(
    tmp_path: Path, wrong: dict[str, Any]
) -> None:
    path = tmp_path / "cache.json"
    path.write_text(json.dumps({"AccessToken": {"k": at_entry(**wrong)}}))
    snap = auth_cache.CacheSnapshot(path)
    assert auth_cache.cached_access_token(snap, ACCT, "app", SCOPES, "tid") is None
    path.write_text(json.dumps({"AccessToken": {"k": at_entry()}}))
    hit = auth_cache.cached_access_token(auth_cache.CacheSnapshot(path), ACCT, "app", SCOPES, "TID")
    assert hit is not None and hit[0] == "the-right-one"


# ------------------------------------------------------------------------------ re-consent


def test_turning_delegation_on_later_asks_for_mail_send_shared(sb: Sandbox, tmp_path: Path) -> None:
    s, cfg = signed_in_at(sb, tmp_path)
    on = s.with_section("exchange_online", from_delegation=True)
    assert any(x.endswith("/Mail.Send.Shared") for x in SignIn(on, cfg).sign_in_scopes())
    sb.set_scenario("consent_required", scope="Mail.Send.Shared")
    msg = OutgoingMessage(("bob@example.com",), "s", "b", from_address="helpdesk@contoso.example")
    before = len(sb.messages())
    with pytest.raises(ExplainedError) as ei:
        send_message(on, cfg, msg)
    ex = ei.value.explanation
    assert ex.code == "AADSTS65001"
    assert "Mail.Send.Shared" in ex.title and "delegation is on" in ex.cause
    assert "Grant admin consent" in ex.fix and "alloy-tui login" in ex.fix
    assert len(sb.messages()) == before
    # Once consent is there, the same saved sign-in gets the new permission silently.
    sb.clear_scenarios()
    result = send_message(on, cfg, msg)
    assert result.from_address == "helpdesk@contoso.example"


def test_consent_refused_without_delegation_keeps_the_plain_explanation(
    sb: Sandbox, tmp_path: Path
) -> None:
    s, cfg = signed_in_at(sb, tmp_path)
    sb.set_scenario("consent_required", count=1)
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, cfg).get_token_info("graph", force_refresh=True)
    assert "Mail.Send.Shared" not in ei.value.explanation.title


# ------------------------------------------------------------------------------ the cache file


def test_cache_writes_replace_the_file_and_leave_nothing_behind(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path)
    cache = Path(s.exchange_online.token_cache)
    signin = sign_in(sb, s, cfg)
    before = cache.read_text()
    with open(cache, encoding="utf-8") as old:
        signin.get_token_info("ews")  # a refresh for another resource writes the cache again
        # A new file was renamed over the old one: the old file was never truncated or rewritten
        # in place (a reader without the lock sees a whole cache, old or new).
        assert os.fstat(old.fileno()).st_nlink == 0
        assert old.read() == before
    assert cache.read_text() != before
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert sorted(p.name for p in cache.parent.iterdir()) == ["token_cache.json"]


def test_a_symlinked_cache_stays_a_symlink(sb: Sandbox, tmp_path: Path) -> None:
    real = tmp_path / "real" / "tokens.json"
    real.parent.mkdir(mode=0o700)
    link = tmp_path / "cache" / "token_cache.json"
    link.parent.mkdir(mode=0o700)
    link.symlink_to(real)
    s = settings_for(sb, tmp_path)
    sign_in(sb, s, tmp_path / "config.toml")
    assert link.is_symlink() and "AccessToken" in real.read_text()


def test_lock_file_is_0600_and_shared_with_msal_extensions(tmp_path: Path) -> None:
    from msal_extensions.filelock import CrossPlatLock

    lock = tmp_path / "token_cache.json.lockfile"
    with auth_file.PrivateLock(lock):
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert not lock.exists()
    with CrossPlatLock(str(lock)):  # msal-extensions' own lock: ours waits for it, then says so
        with pytest.raises(auth_file.TokenCacheLocked, match="locked by another process"):
            with auth_file.PrivateLock(lock, timeout=0.3):
                pass
    with auth_file.PrivateLock(lock):
        pass


def test_a_lock_left_by_a_crashed_process_is_taken_over(tmp_path: Path) -> None:
    lock = tmp_path / "token_cache.json.lockfile"
    old = time.time() - 120
    lock.write_text("999999999 crashed")  # no such process
    os.utime(lock, (old, old))
    with auth_file.PrivateLock(lock, timeout=0.5):
        assert lock.read_text().split()[0] == str(os.getpid())
    lock.write_text(f"{os.getpid()} alive")  # an old lock whose process is alive: wait, then say so
    os.utime(lock, (old, old))
    with pytest.raises(auth_file.TokenCacheLocked, match="locked by another process"):
        with auth_file.PrivateLock(lock, timeout=0.3):
            pass
    assert lock.exists()


def test_a_damaged_cache_is_explained_then_set_aside_by_the_next_sign_in(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = tmp_path / "config.toml"
    s = settings_for(sb, tmp_path)
    cache = Path(s.exchange_online.token_cache)
    cache.parent.mkdir(mode=0o700)
    cache.write_text('{"Account": {')
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, cfg).get_token("graph")
    assert "damaged" in ei.value.explanation.cause and ei.value.explanation.code == "not_signed_in"
    sign_in(sb, s, cfg)
    aside = cache.with_name("token_cache.json.damaged")
    assert aside.read_text() == '{"Account": {'  # kept, not lost
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert SignIn(s, cfg).get_token("graph")


# ------------------------------------------------------------------------------ status


def status(cfg: Path) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["--config", str(cfg), "status"], catch_exceptions=False)
    return r.exit_code, r.stdout + r.stderr


def test_status_exit_codes_from_no_config_to_ready(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    code, out = status(cfg)  # no config at all
    assert code == 1 and "not created yet" in out and "client_id is not set" in out
    assert "run `alloy-tui` to open the setup wizard" in out
    assert out.rstrip().endswith("Ready to send: no")
    assert not cfg.exists()  # status never writes a config

    write_config(cfg, config_text(sb, tmp_path))
    code, out = status(cfg)
    assert code == 1 and "Account: not signed in" in out and "alloy-tui login" in out

    sb.auto_approve_after = 0
    assert CliRunner().invoke(cli, ["--config", str(cfg), "login"]).exit_code == 0
    code, out = status(cfg)
    assert code == 0 and "Token refresh: works" in out and out.rstrip().endswith("yes")

    sb.set_scenario("refresh_token_expired")  # the saved sign-in is dead
    code, out = status(cfg)
    assert code == 1, out
    assert "Refresh token cached: yes" in out and "Token refresh: FAILED" in out
    assert "AADSTS70008" in out and "alloy-tui login" in out
    assert out.rstrip().endswith("Ready to send: no")


def test_status_with_a_bad_app_setting_is_one_line_and_no_request(
    sb: Sandbox, tmp_path: Path
) -> None:
    import subprocess
    import sys

    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path).replace(sb.client_id, "not-a-guid"))
    sb.clear_requests()
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "client_id" in r.stderr and "GUID" in r.stderr
    assert "Traceback" not in r.stderr and sb.requests() == []


def test_cancelled_sign_in_keeps_the_old_account(sb: Sandbox, tmp_path: Path) -> None:
    s, cfg = signed_in_at(sb, tmp_path, account=ACCOUNT)
    signin = SignIn(s, cfg)
    signin.start_device_flow()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Exception, match="cancelled"):
        signin.wait_for_device_flow(cancel)
    assert signin.replaced == [] and usernames(s) == [ACCOUNT]


def test_sign_in_takes_over_a_lock_left_by_a_crashed_process(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    lock = Path(s.exchange_online.token_cache + ".lockfile")
    lock.parent.mkdir(mode=0o700)
    lock.write_text("999999999 crashed")
    old = time.time() - 120
    os.utime(lock, (old, old))
    t0 = time.monotonic()
    sign_in(sb, s, tmp_path / "config.toml")  # msal-extensions' own lock would give up after 5 s
    assert time.monotonic() - t0 < 4 and not lock.exists()
