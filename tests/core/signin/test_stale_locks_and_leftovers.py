"""Issue 9 item 8: stale locks clear themselves; a killed write leaves no token behind.

An empty lock file (the disk was full when it was made) or one whose process is gone (SIGKILL)
is taken over at once instead of blocking every refresh. A `.tmp` file a killed cache write
left (it holds a refresh token) is removed by `logout` and by the next write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.m365 import settings_for, sign_in

ROOT = Path(__file__).resolve().parents[3]
SECRET = '{"RefreshToken": {"k": {"secret": "0.AAAA-refresh-token-from-a-killed-write"}}}'


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_fresh_lock_of_a_killed_process_is_taken_over_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "token_cache.json.lockfile"
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    lock.write_text(f"{child.pid} alloy-tui")  # just made by a process that is then killed
    child.send_signal(signal.SIGKILL)
    child.wait()
    t0 = time.monotonic()
    with auth_file.PrivateLock(lock, timeout=0.5):
        assert lock.read_text().split()[0] == str(os.getpid())
    assert time.monotonic() - t0 < 0.5


@pytest.mark.parametrize("content", ["", "   ", "not-a-pid", "0 x", "-5 x"])
def test_an_empty_or_unreadable_lock_is_taken_over(tmp_path: Path, content: str) -> None:
    lock = tmp_path / "token_cache.json.lockfile"
    lock.write_text(content)  # a full disk: the lock was created, its pid never written
    old = time.time() - 10
    os.utime(lock, (old, old))
    with auth_file.PrivateLock(lock, timeout=0.5):
        assert lock.read_text().split()[0] == str(os.getpid())


def test_a_lock_being_written_right_now_is_respected(tmp_path: Path) -> None:
    lock = tmp_path / "token_cache.json.lockfile"
    lock.write_text("")  # created this instant: its owner is about to write its pid
    with pytest.raises(auth_file.TokenCacheLocked):
        with auth_file.PrivateLock(lock, timeout=0.2):
            pass


def test_a_dead_pid_lock_no_longer_blocks_a_refresh(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    signin = sign_in(sb, s, tmp_path / "config.toml")
    lock = Path(s.exchange_online.token_cache + ".lockfile")
    lock.write_text(f"{dead_pid()} alloy-tui")
    t0 = time.monotonic()
    assert signin.get_token_info("graph", force_refresh=True).token
    assert time.monotonic() - t0 < 3 and not lock.exists()


def leftover(cache: Path) -> Path:
    tmp = cache.parent / f".{cache.name}.k1ll3d.tmp"  # the name a killed cache write leaves
    tmp.write_text(SECRET)
    os.chmod(tmp, 0o600)
    return tmp


def test_logout_removes_a_killed_writes_leftover(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path))
    cache = tmp_path / "token_cache.json"
    tmp = leftover(cache)
    unrelated = tmp_path / ".other.tmp"
    unrelated.write_text("not ours")
    r = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--config", str(cfg), "logout"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 0, r.stderr
    assert not tmp.exists() and unrelated.exists()


def test_the_next_cache_write_removes_a_leftover(sb: Sandbox, tmp_path: Path) -> None:
    s = settings_for(sb, tmp_path)
    cache = Path(s.exchange_online.token_cache)
    cache.parent.mkdir(mode=0o700)
    tmp = leftover(cache)
    sign_in(sb, s, tmp_path / "config.toml")
    assert not tmp.exists()
    assert sorted(p.name for p in cache.parent.iterdir()) == ["token_cache.json"]
