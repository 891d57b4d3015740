"""Device-code sign-in, silent tokens, the token cache file and sign-out, against the sandbox."""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alloy_tui.core import net
from alloy_tui.core.errors import ExplainedError, UserInputError
from alloy_tui.core.signin.client import SignIn, SignInCancelled
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import ACCOUNT, log_entries, settings_for, sign_in


@pytest.fixture(autouse=True)
def _clean(sb: Sandbox) -> Iterator[None]:
    sb.clear_scenarios()
    sb.auto_approve_after = None
    yield
    sb.clear_scenarios()
    sb.auto_approve_after = None


def test_sign_in_through_the_verification_page(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    cfg = tmp_path / "config.toml"
    signin = SignIn(s, cfg)
    assert signin.current_account() is None
    code = signin.start_device_flow()
    # The service's own URL and code, not a hard-coded microsoft.com/devicelogin.
    assert code.verification_uri == sb.verification_url
    assert code.user_code and code.expires_at > time.time() + 60
    # Approve it the way a person does: the sandbox's sign-in page, over HTTPS.
    result: dict[str, object] = {}
    t = threading.Thread(
        target=lambda: result.update(a=signin.wait_for_device_flow(threading.Event()))
    )
    t.start()
    with net.http_client(s) as c:
        page = c.post(
            code.verification_uri,
            data={"code": code.user_code, "account": "ops@contoso.example", "action": "approve"},
        )
    assert page.status_code == 200
    t.join(15)
    account = result["a"]
    assert account.username == "ops@contoso.example" and account.name == "Ops Team"  # type: ignore[attr-defined]
    # The cache is on disk: another SignIn (another process, a cron job) sees the account.
    again = SignIn(s.with_section("exchange_online", account="ops@contoso.example"), cfg)
    assert again.current_account() == account
    assert again.get_token("graph")
    events = [e["event"] for e in log_entries(s)]
    assert events == ["signin.started", "signin.succeeded"]


def test_auto_approve_and_cache_file_modes(sb: Sandbox, tmp_path: Path) -> None:
    sb.auto_approve_after = 0.5
    s = settings_for(sb, tmp_path)
    signin = SignIn(s, tmp_path / "config.toml")
    signin.start_device_flow()
    t0 = time.monotonic()
    account = signin.wait_for_device_flow(threading.Event())
    assert account.username == ACCOUNT and time.monotonic() - t0 < 5
    cache = Path(s.exchange_online.token_cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700


def test_existing_cache_file_is_tightened_to_0600(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    cache = Path(s.exchange_online.token_cache)
    cache.parent.mkdir(parents=True)
    cache.write_text("")
    cache.chmod(0o644)
    sign_in(sb, s, tmp_path / "config.toml")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_silent_refresh_when_the_access_token_expires(tmp_path: Path) -> None:
    # MSAL treats a token with under 5 minutes left as expired: 301 s gives a 1 s window.
    with Sandbox(access_token_lifetime=301.5) as sb:
        s = settings_for(sb, tmp_path)
        signin = sign_in(sb, s, tmp_path / "config.toml")
        first = signin.get_token("graph")
        assert signin.get_token("graph") == first  # cached, no request
        time.sleep(1.6)
        sb.clear_requests()
        fresh = SignIn(s, tmp_path / "config.toml")  # a later process
        second = fresh.get_token("graph")
        assert second != first
        grants = [
            r.form.get("grant_type") for r in sb.requests("entra") if r.path.endswith("/token")
        ]
        assert grants == ["refresh_token"]
        # EWS is another resource: the same refresh token gets a token for it.
        assert fresh.get_token("ews") not in (first, second)


def test_cancel_stops_waiting_within_a_second(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    signin = SignIn(s, tmp_path / "config.toml")
    signin.start_device_flow()
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    t0 = time.monotonic()
    with pytest.raises(SignInCancelled):
        signin.wait_for_device_flow(cancel)
    assert time.monotonic() - t0 < 2.0
    assert signin.current_account() is None
    assert [e["event"] for e in log_entries(s)] == ["signin.started", "signin.cancelled"]


def test_expired_device_code_is_explained(sb: Sandbox, tmp_path: Path) -> None:
    sb.set_scenario("device_code_expired")
    s = settings_for(sb, tmp_path)
    signin = SignIn(s, tmp_path / "config.toml")
    signin.start_device_flow()
    with pytest.raises(ExplainedError) as ei:
        signin.wait_for_device_flow(threading.Event())
    ex = ei.value.explanation
    assert ex.code == "AADSTS70019" and "login" in ex.fix
    failed = log_entries(s)[-1]
    assert failed["event"] == "signin.failed" and failed["details"]["error_code"] == "AADSTS70019"


def test_code_that_runs_out_locally_is_explained_as_expired(tmp_path: Path) -> None:
    with Sandbox(device_code_lifetime=1.5, interval=1) as sb:
        s = settings_for(sb, tmp_path)
        signin = SignIn(s, tmp_path / "config.toml")
        signin.start_device_flow()
        with pytest.raises(ExplainedError) as ei:
            signin.wait_for_device_flow(threading.Event())
        assert ei.value.explanation.code == "AADSTS70019"


@pytest.mark.parametrize(
    ("scenario", "code", "words"),
    [
        ("public_client_disabled", "AADSTS7000218", "public client"),
        ("consent_required", "AADSTS65001", "consent"),
        ("ca_blocked", "AADSTS53003", "Conditional Access"),
        ("declined", "", "declined"),
    ],
)
def test_sign_in_refusals_are_explained(
    sb: Sandbox, tmp_path: Path, scenario: str, code: str, words: str
) -> None:
    sb.set_scenario(scenario)
    s = settings_for(sb, tmp_path)
    signin = SignIn(s, tmp_path / "config.toml")
    dc = signin.start_device_flow()
    if scenario != "declined":
        sb.approve(dc.user_code)
    with pytest.raises(ExplainedError) as ei:
        signin.wait_for_device_flow(threading.Event())
    ex = ei.value.explanation
    if code:
        assert ex.code == code, ex
    else:  # the sandbox answers authorization_declined with AADSTS70000: the error name decides
        assert words in ex.title.lower(), ex
    assert words.lower() in (ex.title + ex.cause + ex.fix).lower()
    assert signin.current_account() is None


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("refresh_token_expired", "AADSTS70008"),
        ("mfa_required", "AADSTS50076"),
        ("consent_required", "AADSTS65001"),
    ],
)
def test_silent_token_refusals_are_explained(
    sb: Sandbox, tmp_path: Path, scenario: str, code: str
) -> None:
    s = settings_for(sb, tmp_path)
    sign_in(sb, s, tmp_path / "config.toml")
    sb.expire_access_tokens()
    sb.set_scenario(scenario)
    fresh = SignIn(s, tmp_path / "config.toml")
    # The cached access token is still valid locally: force the refresh the way a 401 would.
    with pytest.raises(ExplainedError) as ei:
        fresh.get_token_info("graph", force_refresh=True)
    assert ei.value.explanation.code == code
    health = SignIn(s, tmp_path / "config.toml").token_health()
    assert health.account is not None and health.cached
    sb.set_scenario(scenario)
    health = SignIn(s, tmp_path / "config.toml").token_health()
    assert health.refresh_ok is False and code in health.detail


def test_token_health_and_sign_out(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    cfg = tmp_path / "config.toml"
    empty = SignIn(s, cfg).token_health()
    assert empty.account is None and not empty.cached and empty.refresh_ok is None
    sign_in(sb, s, cfg)
    health = SignIn(s, cfg).token_health()
    assert health.account is not None and health.account.username == ACCOUNT
    assert health.cached and health.refresh_ok is True
    assert health.access_expires_at is not None and health.access_expires_at > time.time() + 600
    SignIn(s, cfg).sign_out()
    gone = SignIn(s, cfg)
    assert gone.current_account() is None
    with pytest.raises(ExplainedError) as ei:
        gone.get_token("graph")
    assert (
        ei.value.explanation.code == "not_signed_in"
        and "alloy-tui login" in ei.value.explanation.fix
    )
    assert "secret" not in Path(s.exchange_online.token_cache).read_text()  # no token entries left


def test_not_signed_in_for_the_configured_account(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    sign_in(sb, s, tmp_path / "config.toml")
    other = SignIn(
        s.with_section("exchange_online", account="ceo@contoso.example"), tmp_path / "config.toml"
    )
    assert other.current_account() is None
    with pytest.raises(ExplainedError, match="ceo@contoso.example"):
        other.get_token("graph")


def test_tenant_typo_is_explained(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path).with_section("exchange_online", tenant="contoso.onmicrosft.com")
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    ex = ei.value.explanation
    assert ex.code == "AADSTS90002" and "contoso.onmicrosft.com" in ex.cause + ex.fix


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("client_id", "my-app", "must be the Application .client. ID, a GUID"),
        ("client_id", "", "client_id is not set"),
        ("tenant", "", "tenant is not set"),
        ("tenant", "not a tenant!", "tenant"),
    ],
)
def test_bad_app_settings_fail_before_any_request(
    sb: Sandbox, tmp_path: Path, key: str, value: str, match: str
) -> None:
    s = settings_for(sb, tmp_path).with_section("exchange_online", **{key: value})
    sb.clear_requests()
    with pytest.raises(UserInputError, match=match):
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    assert sb.requests() == []
    assert log_entries(s)[-1]["event"] == "signin.failed"


def test_unreachable_login_endpoint(sb: Sandbox, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    s = settings_for(sb, tmp_path).with_section(
        "exchange_online", login_endpoint=f"https://127.0.0.1:{port}"
    )
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    ex = ei.value.explanation
    assert "127.0.0.1" in ex.cause + ex.fix, ex
    assert ex.code in ("refused", "connection_refused", "connect"), ex


def test_sign_in_to_a_server_that_does_not_verify_sends_nothing(
    sb: Sandbox, tmp_path: Path
) -> None:
    s = settings_for(sb, tmp_path).with_section("network", ca_bundle="")
    sb.clear_requests()
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    assert "certificate" in (ei.value.explanation.title + ei.value.explanation.cause).lower()
    assert sb.requests() == []


def test_http_client_is_httpx_with_our_context(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    c = net.http_client(s)
    assert isinstance(c, httpx.Client)
    c.close()


def test_unknown_client_id_fails_at_the_device_code_request(sb: Sandbox, tmp_path: Path) -> None:
    # MSAL does not raise here: the flow dict carries the error and no user_code.
    s = settings_for(sb, tmp_path).with_section(
        "exchange_online", client_id="11111111-2222-3333-4444-555555555555"
    )
    with pytest.raises(ExplainedError) as ei:
        SignIn(s, tmp_path / "config.toml").start_device_flow()
    ex = ei.value.explanation
    assert ex.code == "AADSTS700016" and "11111111-2222-3333-4444-555555555555" in ex.cause + ex.fix
    entry = log_entries(s)[-1]
    assert entry["event"] == "signin.failed" and entry["details"]["error_code"] == "AADSTS700016"


def test_silent_server_times_out_after_network_timeout(sb: Sandbox, tmp_path: Path) -> None:
    import socket

    with socket.socket() as mute:  # accepts connections, never answers (not even TLS)
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        url = f"https://127.0.0.1:{mute.getsockname()[1]}"
        s = settings_for(sb, tmp_path).with_section("exchange_online", login_endpoint=url)
        s = s.with_section("network", timeout=1.0)
        t0 = time.monotonic()
        with pytest.raises(ExplainedError) as ei:
            SignIn(s, tmp_path / "config.toml").start_device_flow()
        assert time.monotonic() - t0 < 5
    ex = ei.value.explanation
    assert "time" in (ex.title + ex.cause).lower(), ex
