"""Issue 9 item 9 (token cache side): folders made for a custom token cache are 0700 whatever
the umask, and root signing in for a service user's config keeps that user's cache theirs."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.signin.client import SignIn
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import settings_for, sign_in
from tests.helpers.store import NOBODY

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(interval=1) as s:
        yield s


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_folders_for_a_custom_cache_are_0700_under_umask_000(
    sb: Sandbox, tmp_path: Path, umask_000: None
) -> None:
    cache = tmp_path / "x" / "y" / "token_cache.json"
    s = settings_for(sb, tmp_path).with_section("exchange_online", token_cache=str(cache))
    sign_in(sb, s, tmp_path / "config.toml")
    for folder in (tmp_path / "x", tmp_path / "x" / "y"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_root_signing_in_keeps_the_service_users_cache_theirs(sb: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "svc"
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    s = settings_for(sb, tmp_path).with_section(
        "exchange_online", token_cache=str(folder / "token_cache.json")
    )
    sign_in(sb, s, tmp_path / "config.toml")  # root, for a cache in the service user's folder
    cache = folder / "token_cache.json"
    st = cache.stat()
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY) and stat.S_IMODE(st.st_mode) == 0o600
    SignIn(s, tmp_path / "config.toml").get_token_info("ews")  # a rewrite keeps it too
    st = cache.stat()
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    assert "RefreshToken" in cache.read_text()


def test_folders_root_makes_for_a_service_users_cache_are_theirs(
    sb: Sandbox, tmp_path: Path
) -> None:
    home = tmp_path / "svc"
    home.mkdir(mode=0o700)
    os.chown(home, NOBODY, NOBODY)
    cache = home / "state" / "alloy" / "token_cache.json"
    s = settings_for(sb, tmp_path).with_section("exchange_online", token_cache=str(cache))
    sign_in(sb, s, tmp_path / "config.toml")
    for p in (home / "state", home / "state" / "alloy", cache):
        st = p.stat()
        assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY), p
    assert stat.S_IMODE((home / "state").stat().st_mode) == 0o700
