"""Issue 9 item 7: reading the token cache is bounded and never a traceback.

A FIFO, a link to /dev/zero, a huge file, or JSON of the wrong shape at the cache path is a
damaged cache: status explains it, logout and the next sign-in set it aside as `.damaged`.
Everything runs for real (msal over HTTPS to the sandbox, the CLI in a child process).
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.core.signin import cache_read as auth_cache
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import settings_for, sign_in

ROOT = Path(__file__).resolve().parents[3]


def _limit_memory() -> None:  # a child that reads /dev/zero must die of MemoryError, not OOM
    resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))


def run_cli(cfg: Path, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env,
        preexec_fn=_limit_memory,
    )


def setup(sb: Sandbox, tmp_path: Path) -> tuple[Path, Path]:
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path))
    return cfg, tmp_path / "token_cache.json"


def test_a_fifo_at_the_cache_path_does_not_hang_status_or_logout(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg, cache = setup(sb, tmp_path)
    os.mkfifo(cache, 0o600)
    r = run_cli(cfg, "status")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "damaged" in r.stdout and str(cache) in r.stdout
    r = run_cli(cfg, "logout")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    aside = cache.with_name("token_cache.json.damaged")
    assert stat.S_ISFIFO(os.lstat(aside).st_mode)  # kept, set aside
    assert stat.S_ISREG(os.lstat(cache).st_mode)


def test_a_link_to_dev_zero_is_not_read_to_the_end(sb: Sandbox, tmp_path: Path) -> None:
    cfg, cache = setup(sb, tmp_path)
    zero_mode = os.stat("/dev/zero").st_mode
    cache.symlink_to("/dev/zero")
    r = run_cli(cfg, "status")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "damaged" in r.stdout
    r = run_cli(cfg, "logout")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert os.stat("/dev/zero").st_mode == zero_mode  # setting it aside never chmods the target
    assert os.readlink(cache.with_name("token_cache.json.damaged")) == "/dev/zero"


def test_a_cache_over_the_size_limit_is_damaged(tmp_path: Path) -> None:
    cache = tmp_path / "token_cache.json"
    cache.write_text('{"Account": {}, "pad": "' + "x" * auth_cache.MAX_CACHE_BYTES + '"}')
    snap = auth_cache.CacheSnapshot(cache)
    assert snap.damaged and snap.data == {}
    assert "larger than" in snap.why


def test_a_symlink_to_a_regular_file_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text('{"Account": {}}')
    link = tmp_path / "token_cache.json"
    link.symlink_to(real)
    snap = auth_cache.CacheSnapshot(link)
    assert not snap.damaged and snap.data == {"Account": {}}


BAD_SHAPES: list[Any] = [
    {"Account": {"k": {"home_account_id": None, "environment": None, "username": None}}},
    {"Account": {"k": {"home_account_id": "h", "environment": 5, "username": "u"}}},
    {"Account": ["not", "a", "table"]},
    {"Account": {"k": "not an entry"}},
    {"RefreshToken": {"k": {"home_account_id": "h", "environment": "e", "client_id": None}}},
    {"AccessToken": {"k": {"home_account_id": "h", "environment": "e", "expires_on": "soon"}}},
    {"AccessToken": {"k": {"expires_on": None, "target": 7}}},
    {"IdToken": {"k": {"secret": ["x"]}}},
    {"AppMetadata": {"k": {"client_id": {}}}},
]


@pytest.mark.parametrize("shape", BAD_SHAPES, ids=range(len(BAD_SHAPES)))
def test_wrong_shapes_are_damaged_for_status_send_and_logout(
    sb: Sandbox, tmp_path: Path, shape: Any
) -> None:
    cfg, cache = setup(sb, tmp_path)
    cache.write_text(json.dumps(shape))
    os.chmod(cache, 0o600)
    r = run_cli(cfg, "status")
    assert r.returncode == 1 and "damaged" in r.stdout and "Traceback" not in r.stderr, r.stderr
    r = run_cli(cfg, "send", "--to", "ops@contoso.example", "--subject", "s")
    assert r.returncode == 1 and "damaged" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = run_cli(cfg, "logout")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert json.loads(cache.with_name("token_cache.json.damaged").read_text()) == shape


def test_a_real_cache_passes_the_shape_check(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    sign_in(sb, s, tmp_path / "config.toml")
    snap = auth_cache.CacheSnapshot(Path(s.exchange_online.token_cache))
    assert not snap.damaged and snap.data.get("RefreshToken")
    assert auth_file.set_aside_if_damaged(Path(s.exchange_online.token_cache)) is None
