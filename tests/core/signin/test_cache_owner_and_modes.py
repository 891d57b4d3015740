"""Issue 9 item 9 (token cache side): folders made for a custom token cache are 0700 whatever
the umask, and root signing in for a service user's config keeps that user's cache theirs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from alloy_tui.core.errors import UserInputError
from alloy_tui.sandbox import Sandbox
from tests.helpers.m365 import settings_for, sign_in
from tests.helpers.store import NOBODY

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")


def test_folders_for_a_custom_cache_are_0700_under_umask_000(
    sb: Sandbox, tmp_path: Path, umask_000: None
) -> None:
    cache = tmp_path / "x" / "y" / "token_cache.json"
    s = settings_for(sb, tmp_path).with_section("exchange_online", token_cache=str(cache))
    sign_in(sb, s, tmp_path / "config.toml")
    for folder in (tmp_path / "x", tmp_path / "x" / "y"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_root_never_writes_a_cache_in_another_users_folder(sb: Sandbox, tmp_path: Path) -> None:
    """Issue 20: no process acts by path in a folder another user owns (that user could swap
    the file for a symlink). Root reaches a service user's cache only by becoming that user
    first (the CLI does: core/become.py); handed such a cache directly, it refuses, one line."""
    folder = tmp_path / "svc"
    folder.mkdir(mode=0o700)
    os.chown(folder, NOBODY, NOBODY)
    s = settings_for(sb, tmp_path).with_section(
        "exchange_online", token_cache=str(folder / "token_cache.json")
    )
    with pytest.raises(UserInputError, match=r"is owned by uid \d+ \(nobody\), not by uid 0"):
        sign_in(sb, s, tmp_path / "config.toml")
    assert os.listdir(folder) == []


def test_a_symlink_swap_of_the_caches_folder_is_refused(sb: Sandbox, tmp_path: Path) -> None:
    """The cache's folder replaced by a symlink to another folder: never written through."""
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir(mode=0o700)
    (sentinel / "alloy").mkdir(mode=0o700)
    os.symlink(sentinel / "alloy", tmp_path / "link-alloy")
    s2 = settings_for(sb, tmp_path).with_section(
        "exchange_online", token_cache=str(tmp_path / "link-alloy" / "token_cache.json")
    )
    with pytest.raises(UserInputError, match="is a symbolic link"):
        sign_in(sb, s2, tmp_path / "config.toml")
    assert os.listdir(sentinel / "alloy") == []
