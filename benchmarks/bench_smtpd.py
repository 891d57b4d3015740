"""The local SMTP listener under load: 100 concurrent smtplib clients x 10 messages each through
`alloy-tui smtpd`, against the same clients talking to aiosmtpd's plain `Sink` handler (which
keeps nothing) in the same run, alternating rounds.

    python benchmarks/bench_smtpd.py [--clients 100] [--messages 10] [--rounds 2] [--queue-base DIR]
                                     [--profile FILE]

--profile FILE runs the listener under cProfile in every thread (the loop and the hand-off pool)
and writes the merged pstats to FILE (wall time: fsync waits show as time in os.fsync).

Each client keeps one connection and sends its messages one after another; the latency is that
of DATA up to its 250 reply (for the listener: prepare + two fsynced files before the 250).
Checks: every message in the outbox, each exactly once (its token), none lost. Memory: the
listener's and the Sink's peak resident size (VmHWM). Target (issue 15): median within 2x.
The listener runs with --no-deliver (delivery is the runner's job, measured elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = """\
service = "exchange-online"
[exchange_online]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"
account = "alerts@contoso.com"
login_endpoint = "https://127.0.0.1:9"
graph_endpoint = "https://127.0.0.1:9"
[alert_log]
path = "{d}/alert_log.jsonl"
[queue]
path = "{q}/queue"
[sendmail]
admin = "ops@contoso.com"
[smtpd]
max_connections = 200
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def message(token: str, size: int = 2048) -> bytes:
    head = (
        "From: Grafana <grafana@grafana.local>\r\nTo: root\r\n"
        f"Subject: [FIRING:1] HighCPU {token}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
    ).encode()
    line = b"alertname=HighCPU instance=web01:9100 severity=warning value=97.3\r\n"
    return head + (line * (size // len(line) + 1))[: size - len(head)]


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"the server exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start listening")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, clients: int, per_client: int, tag: str) -> tuple[list[float], list[str], int]:
    """(DATA->250 latencies in seconds, queue ids from the replies, failures)."""
    latencies: list[float] = []
    ids: list[str] = []
    failures = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(n: int) -> None:
        mine: list[float] = []
        got: list[str] = []
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as c:
                c.ehlo()
                start.wait()
                for i in range(per_client):
                    c.mail("grafana@grafana.local")
                    c.rcpt("root")
                    t0 = time.perf_counter()
                    code, text = c.data(message(f"{tag}-{n}-{i}"))
                    mine.append(time.perf_counter() - t0)
                    if code != 250:
                        raise RuntimeError(f"{code} {text!r}")
                    got.append(text.decode().rsplit(" ", 1)[-1])
        except Exception as e:  # counted, and the run reports it
            print(f"client {n}: {e}", file=sys.stderr)
            with lock:
                failures[0] += 1
        with lock:
            latencies.extend(mine)
            ids.extend(got)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, ids, failures[0]


def stats(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


# The listener under cProfile: one profiler per thread, merged into one pstats file at exit.
PROFILED = """
import cProfile, pstats, runpy, sys, threading, time
out, clock, sys.argv = sys.argv[1], sys.argv[2], ["alloy_tui", *sys.argv[3:]]
timer = time.thread_time if clock == "cpu" else time.perf_counter
profiles = []
def per_thread(frame, event, arg):
    sys.setprofile(None)
    p = cProfile.Profile(timer)
    profiles.append(p)
    p.enable()
threading.setprofile(per_thread)
main = cProfile.Profile(timer)
profiles.append(main)
main.enable()
try:
    runpy.run_module("alloy_tui", run_name="__main__")
finally:
    for p in profiles:
        p.disable()
    stats = pstats.Stats(profiles[0])
    for p in profiles[1:]:
        stats.add(p)
    stats.dump_stats(out)
"""
PROFILE: list[Path] = []  # --profile FILE
PROFILE_CLOCK: list[str] = ["wall"]  # --profile-clock cpu: thread CPU time instead


def start_listener(d: Path, port: int) -> subprocess.Popen[bytes]:
    (d / "config.toml").write_text(CONFIG.format(d=d, q=queue_folder(d)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLOY_TUI_STATE_DIR": str(d / "state")}
    cmd = [sys.executable, "-m", "alloy_tui", "--config", str(d / "config.toml"), "smtpd"]
    if PROFILE:
        out = str(PROFILE[0].with_suffix(f".{d.name}.pstats"))
        cmd[1:3] = ["-c", PROFILED, out, PROFILE_CLOCK[0]]
    cmd += ["--listen", f"127.0.0.1:{port}", "--no-deliver"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


QUEUE_BASE: list[
    Path
] = []  # --queue-base: the outbox on another file system (tmpfs: no fsync cost)


def queue_folder(d: Path) -> Path:
    return QUEUE_BASE[0] / d.name if QUEUE_BASE else d


def start_sink(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    cmd += ["-c", "aiosmtpd.handlers.Sink"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def check_outbox(queue: Path, tag: str, clients: int, per_client: int, ids: list[str]) -> int:
    """How many expected messages are missing (0 = none lost, none twice)."""
    subjects = []
    for meta in (queue / "meta").iterdir():
        subjects.append(json.loads(meta.read_text())["subject"].rsplit(" ", 1)[-1])
    expected = {f"{tag}-{n}-{i}" for n in range(clients) for i in range(per_client)}
    found = [s for s in subjects if s.startswith(tag + "-")]
    assert len(found) == len(set(found)), "a message was queued twice"
    on_disk = {p.stem for p in (queue / "messages").iterdir()}
    assert set(ids) <= on_disk, "a 250 named a queue id that is not on disk"
    return len(expected - set(found))


def run_one(kind: str, d: Path, args: argparse.Namespace, tag: str) -> dict[str, float]:
    port = free_port()
    proc = start_listener(d, port) if kind == "listener" else start_sink(port)
    try:
        wait_listening(port, proc)
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.perf_counter()
        lat, ids, failures = load(port, args.clients, args.messages, tag)
        wall = time.perf_counter() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        memory = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    median, p99 = stats(lat)
    out = {"median_ms": median, "p99_ms": p99, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": memory}
    out["failures"] = failures
    out["replies"] = len(lat)
    if kind == "listener":
        out["lost"] = check_outbox(queue_folder(d) / "queue", tag, args.clients, args.messages, ids)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--queue-base", type=Path, help="put the outbox here (e.g. /dev/shm)")
    parser.add_argument("--profile", type=Path, help="cProfile the listener into FILE.*.pstats")
    parser.add_argument("--profile-clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    if args.profile:
        PROFILE.append(args.profile.resolve())
        PROFILE_CLOCK[0] = args.profile_clock
    if args.queue_base:
        QUEUE_BASE.append(Path(tempfile.mkdtemp(dir=args.queue_base)))
    try:
        run_rounds(args)
    finally:
        if QUEUE_BASE:
            shutil.rmtree(QUEUE_BASE[0], ignore_errors=True)


def run_rounds(args: argparse.Namespace) -> None:
    results: dict[str, list[dict[str, float]]] = {"listener": [], "sink": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for kind in ("sink", "listener") if r % 2 else ("listener", "sink"):
                d = Path(tmp) / f"{kind}{r}"
                d.mkdir()
                res = run_one(kind, d, args, f"r{r}")
                results[kind].append(res)
                shown = ", ".join(f"{k} {v:.1f}" for k, v in res.items())
                print(f"round {r} {kind:8}: {shown}")
    lm = statistics.median(x["median_ms"] for x in results["listener"])
    sm = statistics.median(x["median_ms"] for x in results["sink"])
    print(
        f"median DATA->250: listener {lm:.1f} ms, Sink {sm:.1f} ms, ratio {lm / sm:.2f}x "
        f"(target <= 2x); lost {sum(x['lost'] for x in results['listener']):.0f}"
    )


if __name__ == "__main__":
    main()
