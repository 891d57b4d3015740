"""The listener's memory under large messages: 20 clients at once each send a 30 MB message
(half of them header-heavy: a header block of ~900 KB, just under [smtpd] max_header_bytes),
to `alloy-tui smtpd --no-deliver` in its own process; its resident size is sampled from
/proc/<pid>/status every 10 ms.

    python benchmarks/bench_smtpd_memory.py [--clients 20] [--mb 30] [--rounds 2]

Printed: the idle RSS (after start, before any client), the peak RSS sampled while the messages
arrive and are queued, VmHWM, and whether every message was queued (250, exactly once, nothing
left in tmp/). Target (issue 21): peak at most 120 MiB. The outbox is in a temporary folder
under /var/tmp (a real disk: the messages are fsynced).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import free_port, offline_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
CONFIG = offline_config(
    exchange="large_messages = true\n", tail="[smtpd]\nmax_connections_per_client = 100\n"
)


def status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # KiB
    return 0


def reply(sock: socket.socket, buf: bytearray) -> str:
    while True:
        while b"\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return ""
            buf += chunk
        at = buf.index(b"\n")
        line = bytes(buf[: at + 1])
        del buf[: at + 1]
        if len(line) < 4 or line[3:4] != b"-":
            return line.decode(errors="replace").strip()


def send_one(port: int, n: int, size: int, heavy: bool, results: list[str]) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=300)
    buf = bytearray()
    try:
        reply(sock, buf)
        for cmd in (
            b"EHLO bench",
            b"MAIL FROM:<grafana@contoso.com>",
            b"RCPT TO:<ops@contoso.com>",
        ):
            sock.sendall(cmd + b"\r\n")
            reply(sock, buf)
        sock.sendall(b"DATA\r\n")
        reply(sock, buf)
        head = f"From: grafana@contoso.com\r\nTo: ops@contoso.com\r\nSubject: big {n}\r\n".encode()
        if heavy:  # ~900 KB of header lines
            head += b"".join(b"X-Trace-%04d: %s\r\n" % (i, b"h" * 880) for i in range(1000))
        sock.sendall(head + b"\r\n")
        line = b"b" * 998 + b"\r\n"
        chunk = line * 1024  # 1 MB
        left = size - len(head)
        while left > 0:
            piece = chunk[: min(len(chunk), left // len(line) * len(line) or len(line))]
            sock.sendall(piece)
            left -= len(piece)
        sock.sendall(b".\r\n")
        results.append(reply(sock, buf))
        sock.sendall(b"QUIT\r\n")
    finally:
        sock.close()


def run(args: argparse.Namespace, base: Path) -> tuple[int, int, int, int, list[str]]:
    d = Path(tempfile.mkdtemp(dir=base))
    (d / "config.toml").write_text(CONFIG.format(d=d))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLOY_TUI_STATE_DIR": str(d / "state")}
    cmd = [sys.executable, "-m", "alloy_tui", "--config", str(d / "config.toml"), "smtpd"]
    cmd += ["--listen", f"127.0.0.1:{port}", "--no-deliver"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        time.sleep(1.0)
        idle = status(proc.pid, "VmRSS")
        peak = [idle]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                peak[0] = max(peak[0], status(proc.pid, "VmRSS"))

        sampler = threading.Thread(target=sample)
        sampler.start()
        results: list[str] = []
        clients = [
            threading.Thread(target=send_one, args=(port, n, args.mb * MB, n % 2 == 0, results))
            for n in range(args.clients)
        ]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        stop.set()
        sampler.join()
        hwm = status(proc.pid, "VmHWM")
        queued = len(list((d / "queue" / "meta").glob("*.json")))
        left = list((d / "queue" / "tmp").iterdir())
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(d, ignore_errors=True)
    problems = [r for r in results if not r.startswith("250")]
    if queued != args.clients or left:
        problems.append(f"{queued} queued of {args.clients}, {len(left)} files left in tmp/")
    return idle, peak[0], hwm, queued, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--mb", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", type=Path, default=Path("/var/tmp"))
    args = parser.parse_args()
    peaks = []
    for r in range(args.rounds):
        idle, peak, hwm, queued, problems = run(args, args.base)
        peaks.append(peak)
        print(
            f"round {r}: idle RSS {idle / 1024:.1f} MiB, peak RSS {peak / 1024:.1f} MiB "
            f"(VmHWM {hwm / 1024:.1f} MiB), {queued} of {args.clients} x {args.mb} MB queued"
            + (f"; PROBLEMS: {problems}" if problems else ""),
            flush=True,
        )
    worst = max(peaks) / 1024
    verdict = "met" if worst <= 120 else "NOT met"
    print(
        f"peak RSS at most {worst:.1f} MiB over {args.rounds} rounds (target <= 120 MiB: {verdict})"
    )


if __name__ == "__main__":
    main()
