"""Shared by the queue benchmarks: a signed-in sandbox, a fresh outbox per run, a runner child."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNNER = """
import json, sys, time
from pathlib import Path
from alloy_tui.core.config import load
from alloy_tui.core.outbox import run_queue
cfg = Path(sys.argv[1])
settings = load(cfg).settings
t0 = time.perf_counter()
summary = run_queue(settings, cfg)
elapsed = time.perf_counter() - t0
hwm = 0
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        hwm = int(line.split()[1])
print(json.dumps({**summary.__dict__, "elapsed": elapsed, "vmhwm_kb": hwm}), flush=True)
"""


def sign_in(sb: Any, work: Path) -> Path:
    """Sign in once (device flow approved by the sandbox); returns the token cache file."""
    from alloy_tui.core.config import store
    from alloy_tui.core.signin import SignIn
    from alloy_tui.sandbox.session import config_text, write_config

    cfg = work / "template" / "config.toml"
    write_config(cfg, config_text(sb, cfg.parent))
    signin = SignIn(store.load(cfg).settings, cfg)
    code = signin.start_device_flow()
    sb.approve(code.user_code)
    signin.wait_for_device_flow(threading.Event())
    return cfg.parent / "token_cache.json"


def fresh_run(sb: Any, work: Path, name: str, cache: Path) -> Path:
    """A run folder: the sandbox config (pacing off), the signed-in token cache, an empty outbox."""
    from alloy_tui.sandbox.session import config_text, write_config

    run = work / name
    if run.exists():
        shutil.rmtree(run)
    run.mkdir(mode=0o700)
    cfg = run / "config.toml"
    text = config_text(sb, run).replace("[queue]\n", "[queue]\nmax_per_minute = 0\n")
    write_config(cfg, text)
    shutil.copy2(cache, run / "token_cache.json")
    return cfg


BODY = ("All filesystems below 80%.\r\n" * 70).encode()


def submit_cron(box: Any, subject: str, mid: str) -> str:
    """One cron-like message of about 2 KB with this Subject and Message-ID, queued in `box`."""
    return str(
        box.submit(
            b"From: Cron Daemon <alerts@contoso.example>\r\nTo: ops@contoso.example\r\n"
            + f"Subject: {subject}\r\nMessage-ID: {mid}\r\n\r\n".encode()
            + BODY,
            recipients=["ops@contoso.example"],
            sender="alerts@contoso.example",
            source="bench",
        )
    )


def fill(cfg: Path, n: int, tag: str) -> list[str]:
    """n messages of about 2 KB, each with its own Message-ID <tag-i@bench>."""
    from alloy_tui.core.outbox import Outbox

    box = Outbox(cfg.parent / "queue")
    return [submit_cron(box, f"bench {i}", f"<{tag}-{i}@bench>") for i in range(n)]


def start_runner(cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def finish(p: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = p.communicate(timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"runner failed ({p.returncode}):\n{err}")
    return dict(json.loads(out))


def token_requests(sb: Any) -> int:
    return sum(1 for r in sb.requests("entra") if r.path.endswith("/token"))
