"""`alloy-tui test-send` with a cached token vs a bare httpx script posting the same Graph request.

Both run as fresh processes against the same local sandbox, interleaved, in the same run.
Prints each median and the ratio (target: alloy-tui at most 2x the bare script).

    python3 benchmarks/bench_test_send.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = r"""
import json, os, ssl, sys
import httpx
ctx = ssl.create_default_context(cafile=os.environ["BENCH_CA"])
payload = {"message": {"subject": "bench", "body": {"contentType": "Text", "content": "bench"},
           "toRecipients": [{"emailAddress": {"address": "bob@example.com"}}]}, "saveToSentItems": True}
with httpx.Client(verify=ctx) as c:
    r = c.post(os.environ["BENCH_URL"], json=payload,
               headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
sys.exit(0 if r.status_code == 202 else 1)
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()

    from alloy_tui.core.config.store import load
    from alloy_tui.core.signin.client import SignIn
    from alloy_tui.sandbox import Sandbox
    from alloy_tui.sandbox.session import config_text, write_config

    work = Path(tempfile.mkdtemp(prefix="alloy-bench-"))
    try:
        with Sandbox(auto_approve_after=0) as sb:
            cfg = work / "config.toml"
            write_config(cfg, config_text(sb, work))
            env = dict(os.environ, TERM="dumb", NO_COLOR="1")
            exe = shutil.which("alloy-tui")
            cli = [exe] if exe else [sys.executable, "-m", "alloy_tui"]
            login = subprocess.run(
                [*cli, "--config", str(cfg), "login"], env=env, capture_output=True, text=True
            )
            if login.returncode != 0:
                raise SystemExit(login.stderr)
            settings = load(cfg).settings
            token = SignIn(settings, cfg).get_token("graph")  # the cached one; never printed
            bare_env = dict(
                env,
                BENCH_CA=str(sb.ca_path),
                BENCH_URL=f"{sb.graph_endpoint}/v1.0/me/sendMail",
                BENCH_TOKEN=token,
            )
            ours_cmd = [*cli, "--config", str(cfg), "test-send", "--to", "bob@example.com"]
            bare_cmd = [sys.executable, "-c", BARE]
            # Warm the OS file cache for both, then interleave.
            timed(ours_cmd, env)
            timed(bare_cmd, bare_env)
            ours: list[float] = []
            bare: list[float] = []
            for _ in range(args.runs):
                ours.append(timed(ours_cmd, env))
                bare.append(timed(bare_cmd, bare_env))
            delivered = len(sb.messages())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mo, mb = statistics.median(ours), statistics.median(bare)
    print(f"runs: {args.runs} each, interleaved; messages delivered by the sandbox: {delivered}")
    print(
        f"alloy-tui test-send (cached token): median {mo * 1000:7.1f} ms  (min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f})"
    )
    print(
        f"bare httpx script, same request:     median {mb * 1000:7.1f} ms  (min {min(bare) * 1000:.1f}, max {max(bare) * 1000:.1f})"
    )
    print(f"ratio: {mo / mb:.2f}x  (target <= 2.00x)")


if __name__ == "__main__":
    main()
