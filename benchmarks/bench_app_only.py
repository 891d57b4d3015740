"""App-only (certificate) sign-in: `alloy-tui test-send` with a cached app token vs a bare httpx
script posting the same Graph request, and the cost of acquiring a fresh app token.

All fresh processes against the same local sandbox, interleaved, in the same run. Prints each
median and the ratio (target: alloy-tui at most 2x the bare script), then a fresh `login`
(`logout` first, so a new token is requested) with the requests it made.

    python3 benchmarks/bench_app_only.py [--runs 9]
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
import os, ssl, sys
import httpx
ctx = ssl.create_default_context(cafile=os.environ["BENCH_CA"])
payload = {"message": {"subject": "bench", "body": {"contentType": "Text", "content": "bench"},
           "toRecipients": [{"emailAddress": {"address": "bob@example.com"}}]}, "saveToSentItems": True}
with httpx.Client(verify=ctx) as c:
    r = c.post(os.environ["BENCH_URL"], json=payload,
               headers={"Authorization": "Bearer " + os.environ["BENCH_TOKEN"]})
sys.exit(0 if r.status_code == 202 else 1)
"""
MAILBOX = "alerts@contoso.example"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return elapsed


def line(label: str, values: list[float]) -> str:
    m = statistics.median(values)
    return (
        f"{label:40s} median {m * 1000:7.1f} ms  "
        f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()

    from alloy_tui.core.config.store import load
    from alloy_tui.core.signin import AppOnlySignIn, certificate
    from alloy_tui.sandbox import Sandbox
    from alloy_tui.sandbox.session import config_text, write_config

    work = Path(tempfile.mkdtemp(prefix="alloy-bench-"))
    try:
        with Sandbox() as sb:
            pem = work / "app.pem"
            sb.register_certificate(certificate.write_new(pem, 30).certificate_pem)
            cfg = work / "config.toml"
            text = config_text(sb, work).replace(
                "[exchange_online]\n",
                f'[exchange_online]\nauth = "certificate"\ncertificate = "{pem}"\n'
                f'mailbox = "{MAILBOX}"\n',
            )
            write_config(cfg, text)
            env = dict(os.environ, TERM="dumb", NO_COLOR="1")
            exe = shutil.which("alloy-tui")
            cli = [exe] if exe else [sys.executable, "-m", "alloy_tui"]
            base = [*cli, "--config", str(cfg)]
            timed([*base, "login"], env)
            token = AppOnlySignIn(load(cfg).settings, cfg).get_token("graph")  # cached; not printed
            bare_env = dict(
                env,
                BENCH_CA=str(sb.ca_path),
                BENCH_URL=f"{sb.graph_endpoint}/v1.0/users/{MAILBOX}/sendMail",
                BENCH_TOKEN=token,
            )
            ours_cmd = [*base, "test-send", "--to", "bob@example.com"]
            bare_cmd = [sys.executable, "-c", BARE]
            timed(ours_cmd, env)  # warm the OS file cache for both, then interleave
            timed(bare_cmd, bare_env)
            sb.clear_requests()
            ours: list[float] = []
            bare: list[float] = []
            for _ in range(args.runs):
                ours.append(timed(ours_cmd, env))
                bare.append(timed(bare_cmd, bare_env))
            token_requests = [r for r in sb.requests("entra") if r.path.endswith("/token")]
            fresh: list[float] = []
            fresh_requests: list[list[str]] = []
            for _ in range(max(3, args.runs // 3)):
                timed([*base, "logout"], env)
                sb.clear_requests()
                fresh.append(timed([*base, "login"], env))
                fresh_requests.append(
                    [f"{r.method} {r.path.rsplit('/', 1)[-1]}" for r in sb.requests()]
                )
            in_process: list[float] = []
            for _ in range(args.runs):
                AppOnlySignIn(load(cfg).settings, cfg).forget_tokens()
                signin = AppOnlySignIn(load(cfg).settings, cfg)
                t0 = time.perf_counter()
                signin.get_token("graph")
                in_process.append(time.perf_counter() - t0)
            delivered = len(sb.messages())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    mo, mb = statistics.median(ours), statistics.median(bare)
    print(f"runs: {args.runs} each, interleaved; messages delivered by the sandbox: {delivered}")
    print(f"token requests during the cached test-sends: {len(token_requests)}")
    print(line("alloy-tui test-send (cached app token):", ours))
    print(line("bare httpx script, same request:", bare))
    print(f"ratio: {mo / mb:.2f}x  (target <= 2.00x)")
    print(line("alloy-tui login, fresh app token:", fresh))
    print(f"  requests per fresh login: {', '.join(fresh_requests[-1])}")
    print(line("fresh app token in-process (msal):", in_process))


if __name__ == "__main__":
    main()
