"""AppOnlySignIn against the sandbox: real msal, our httpx-based client, the real cache file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.signin import AppOnlySignIn, SignIn, sign_in_for
from alloy_tui.core.signin.cache_read import ACCESS_TOKEN, CacheSnapshot
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_settings, new_certificate, token_requests
from tests.helpers.m365 import (
    settings_for,
    sign_in,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`


@pytest.fixture
def setup(sb: Sandbox, tmp_path: Path) -> tuple[AppOnlySignIn, Path]:
    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    cred = new_certificate(tmp_path / "app.pem")
    sb.register_certificate(cred.certificate_pem)
    settings = app_settings(sb, tmp_path, tmp_path / "app.pem")
    cfg = tmp_path / "config.toml"
    return AppOnlySignIn(settings, cfg), cfg


def test_the_config_picks_the_sign_in(setup: tuple[AppOnlySignIn, Path]) -> None:
    signin, cfg = setup
    assert isinstance(sign_in_for(signin.settings, cfg), AppOnlySignIn)
    device = signin.settings.with_section("exchange_online", auth="device-code")
    assert isinstance(sign_in_for(device, cfg), SignIn)


def test_token_is_cached_0600_and_reused_without_a_request(
    sb: Sandbox, setup: tuple[AppOnlySignIn, Path]
) -> None:
    signin, cfg = setup
    sb.clear_requests()
    info = signin.check()
    assert info.roles == ("Mail.Send",) and not info.from_cache
    assert len(token_requests(sb)) == 1
    assert stat.S_IMODE(signin.cache_path.stat().st_mode) == 0o600
    token = signin.get_token_info("graph")
    assert token.token not in repr(token)
    sb.clear_requests()
    again = AppOnlySignIn(signin.settings, cfg)  # like a second process
    assert again.get_token_info("graph").token == token.token
    assert sb.requests() == []  # not even OIDC discovery: read from the cache file
    ews = again.get_token_info("ews")  # another resource: one more token request
    assert ews.token != token.token and len(token_requests(sb)) == 1


def test_the_assertion_is_ps256_with_the_sha256_thumbprint(
    sb: Sandbox, setup: tuple[AppOnlySignIn, Path]
) -> None:
    import base64

    signin, _ = setup
    signin.check()
    header = sb.app_only.last_header
    assert header["alg"] == "PS256"
    thumb = base64.urlsafe_b64decode(header["x5t#S256"] + "==").hex().upper()
    assert thumb == signin.credential().info.sha256


def test_forget_tokens_keeps_delegated_accounts(
    sb: Sandbox, setup: tuple[AppOnlySignIn, Path], tmp_path: Path
) -> None:
    signin, cfg = setup
    delegated = settings_for(sb, tmp_path)
    sb.auto_approve_after = None
    sign_in(sb, delegated, cfg)
    signin.get_token_info("graph")
    assert signin.sign_out() == 1
    snap = CacheSnapshot(signin.cache_path)
    assert not [a for a in snap.search(ACCESS_TOKEN) if a.get("home_account_id") is None]
    assert SignIn(delegated, cfg).current_account() is not None
    assert signin.sign_out() == 0


def test_unregistered_certificate_is_explained_with_the_az_command(
    sb: Sandbox, tmp_path: Path
) -> None:
    new_certificate(tmp_path / "lonely.pem")
    signin = AppOnlySignIn(app_settings(sb, tmp_path, tmp_path / "lonely.pem"), tmp_path / "c.toml")
    with pytest.raises(ExplainedError) as e:
        signin.check()
    ex = e.value.explanation
    assert ex.code == "AADSTS700027"
    assert f"az ad app credential reset --id {sb.client_id} --cert @" in ex.fix
    assert "lonely.public.pem --append" in ex.fix


def test_token_without_roles_is_consent_missing(
    sb: Sandbox, setup: tuple[AppOnlySignIn, Path]
) -> None:
    signin, _ = setup
    sb.set_app_roles([])
    with pytest.raises(ExplainedError) as e:
        signin.check()
    assert "consent" in e.value.explanation.title.lower()
    assert "adminconsent" in e.value.explanation.fix


def test_aadsts65001_is_consent_missing(sb: Sandbox, setup: tuple[AppOnlySignIn, Path]) -> None:
    signin, _ = setup
    sb.set_scenario("consent_required", count=1)
    with pytest.raises(ExplainedError) as e:
        signin.check()
    assert e.value.explanation.code == "AADSTS65001"
    assert "consent" in e.value.explanation.title.lower()


@pytest.mark.parametrize(
    ("key", "value", "code", "fix"),
    [
        (
            "client_id",
            "00000000-0000-0000-0000-00000000abcd",
            "AADSTS700016",
            "client_id and tenant",
        ),
        (
            "tenant",
            "99999999-0000-0000-0000-000000000000",
            "AADSTS90002",
            "[exchange_online] tenant",
        ),
    ],
    ids=["client_id", "tenant"],
)
def test_a_wrong_id_is_explained(
    sb: Sandbox, setup: tuple[AppOnlySignIn, Path], key: str, value: str, code: str, fix: str
) -> None:
    signin, cfg = setup
    wrong = signin.settings.with_section("exchange_online", **{key: value})
    with pytest.raises(ExplainedError) as e:
        AppOnlySignIn(wrong, cfg).check()
    assert e.value.explanation.code == code
    assert fix in e.value.explanation.fix
