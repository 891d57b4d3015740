"""Issue 9 item 13: local problems say what and where; unfinished settings exit 2.

A locked token cache, a secrets file with the wrong mode or owner, and an unreadable token cache
name the file and the fix (never "invalid input ... Correct the value"); a send with unfinished
settings exits 2 naming the key and `alloy-tui` (the wizard). The real program runs in a child.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.core.signin import cache_file as auth_file
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.cli import run as cli_run
from tests.helpers.fault_servers import closed_port
from tests.helpers.m365 import settings_for, sign_in
from tests.helpers.sandboxes import ticking_sb  # noqa: F401 - fixture `sb`
from tests.helpers.store import NOBODY

ROOT = Path(__file__).resolve().parents[2]
SEND = ["send", "--to", "ops@contoso.example", "--subject", "Disk alert"]


def run(
    cfg: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cli_run(cfg, *args, timeout=60, stdin="body", env=env)


def no_invalid_input(r: subprocess.CompletedProcess[str]) -> None:
    assert "Correct the value" not in r.stderr and "invalid input" not in r.stderr.lower()
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("text", "key"),
    [("", "exchange_online.client_id"), ('service = "smtp"\n', "smtp.host")],
)
def test_a_send_with_unfinished_settings_exits_2_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    cfg = tmp_path / "config.toml"
    if text:
        write_config(cfg, text)
    r = run(cfg, *SEND)
    assert r.returncode == 2, r.stderr
    no_invalid_input(r)
    assert key in r.stderr and "run `alloy-tui`" in r.stderr


def test_a_locked_token_cache_says_which_file_and_what_to_do(sb: Sandbox, tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    write_config(cfg, config_text(sb, tmp_path))
    s = settings_for(sb, tmp_path).with_section(
        "exchange_online", token_cache=str(tmp_path / "token_cache.json")
    )
    sign_in(sb, s, cfg)
    cache = tmp_path / "token_cache.json"
    data = json.loads(cache.read_text())
    for at in data["AccessToken"].values():
        at["expires_on"] = "1"  # the send must refresh, so it must take the lock
    cache.write_text(json.dumps(data))
    lock = str(cache) + ".lockfile"
    with auth_file.PrivateLock(lock):  # held by this (live) process
        r = run(cfg, *SEND)
    assert r.returncode == 1, r.stderr
    no_invalid_input(r)
    assert "token cache is locked" in r.stderr and lock in r.stderr
    assert f"pid {os.getpid()}" in r.stderr and f"rm {lock}" in r.stderr


def smtp_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    write_config(
        cfg,
        f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {closed_port()}\n'
        'security = "none"\nusername = "app@example.com"\n'
        f'[alert_log]\npath = "{tmp_path / "alert_log.jsonl"}"\n',
    )
    return cfg


def secrets_file(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    path = state / "secrets.toml"
    path.write_text('[smtp]\n"app@example.com" = "pw"\n')
    return path


def test_a_secrets_file_others_can_read_names_the_file_and_the_chmod(tmp_path: Path) -> None:
    cfg, path = smtp_config(tmp_path), secrets_file(tmp_path)
    os.chmod(path, 0o644)
    r = run(cfg, *SEND, env={"ALLOY_TUI_STATE_DIR": str(path.parent)})
    assert r.returncode in (1, 2), r.stderr
    no_invalid_input(r)
    assert str(path) in r.stderr and f"chmod 600 {path}" in r.stderr and "0644" in r.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown)")
def test_a_secrets_file_of_another_user_names_the_owner_and_the_fix(tmp_path: Path) -> None:
    cfg, path = smtp_config(tmp_path), secrets_file(tmp_path)
    os.chmod(path, 0o600)
    os.chown(path, NOBODY, NOBODY)
    r = run(cfg, *SEND, env={"ALLOY_TUI_STATE_DIR": str(path.parent)})
    no_invalid_input(r)
    assert str(path) in r.stderr and "nobody" in r.stderr and "chown" in r.stderr


UNREADABLE = """
import json, os, sys
from pathlib import Path
from alloy_tui.core.mail import OutgoingMessage, send_message
from alloy_tui.core.config import load
from alloy_tui.core.errors import ExplainedError
cfg = Path(sys.argv[1])
loaded = load(cfg)
msg = OutgoingMessage(to=("ops@contoso.example",), subject="s", body="b")
try:  # as root first (not signed in): every module on the path is imported before the drop
    send_message(loaded.settings, cfg, msg)
except ExplainedError:
    pass
for p in cfg.parent.glob("alert_log*"):  # the warm-up's log entry: nobody's to append to
    os.chown(p, 65534, 65534)
os.setgroups([]); os.setgid(65534); os.setuid(65534)
try:
    send_message(loaded.settings, cfg, msg)
except ExplainedError as e:
    ex = e.explanation
    print(json.dumps([ex.title, ex.cause, ex.fix]))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (setuid)")
def test_an_unreadable_token_cache_names_the_file_and_the_fix(sb: Sandbox) -> None:
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="alloy-unreadable-"))
    try:
        os.chmod(d, 0o777)
        cfg = d / "config.toml"
        text = config_text(sb, d)  # without the sandbox's CA (in a folder only root may enter)
        write_config(cfg, "\n".join(x for x in text.splitlines() if "ca_bundle" not in x))
        os.chmod(cfg, 0o644)
        cache = d / "token_cache.json"
        cache.write_text("{}")
        os.chmod(cache, 0o600)  # root's, 0600: the nobody user may not read it
        r = subprocess.run(
            [sys.executable, "-c", UNREADABLE, str(cfg)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert r.returncode == 0, r.stderr
        title, cause, fix = json.loads(r.stdout)
        assert "token cache" in title.lower() and "Correct the value" not in fix, cause
        assert str(cache) in cause and "Permission denied" in cause
        assert "chown nobody" in fix and str(cache) in fix
    finally:
        shutil.rmtree(d, ignore_errors=True)
