"""The local SMTP listener against an honest peer: postfix's smtpd + cleanup, which also make
each message durable (fsynced queue file) before the 250, driven by the same client, postfix's
`smtp-source`, in the same run; postfix's `smtp-sink` (keeps nothing) is the floor.

    python benchmarks/bench_smtpd.py [--rounds 5] [--root /var/tmp/postfix-root]
                                     [--profile FILE] [--profile-clock wall|cpu]

Scenarios (2 KB messages, one recipient): 200 messages over 1 session (`smtp-source -d -s 1
-m 200`), and 500 over 10 sessions (`-d -s 10 -m 500`). Each round runs every scenario against
postfix, `alloy-tui smtpd --no-deliver` and smtp-sink (the order rotates each round); the figure
is smtp-source's wall time. Printed: every run, then the medians and the ratios
alloy-tui/postfix (goal <= 1.3x) and postfix/sink. After each run of ours the outbox is checked:
exactly the messages sent, none lost, none twice.

Postfix runs in a chroot made with debootstrap, so nothing on this machine changes outside it.
When the root (default /var/tmp/postfix-root) is missing the script makes it (as root):
installs debootstrap with apt-get if needed, then

    debootstrap --variant=minbase --include=postfix bookworm /var/tmp/postfix-root <mirror>

with the Debian mirror of /etc/apt/sources.list(.d) (a few minutes), and configures it every
run: `default_transport = discard` (and local/relay), listening on 127.0.0.1:<free port> only
(master.cf's smtp line), no chroot of postfix's own services, no DNS or peer-name lookups, no
TLS, the log in <root>/var/log/postfix.log. Postfix is started for the run and stopped at the
end. Its queue (<root>/var/spool/postfix) and our outbox (a temporary folder in the root's
parent, /var/tmp by default) are on the same file system (checked). Not run by CI.

--profile FILE runs our listener under cProfile in every thread and writes the merged pstats
to FILE.pstats (wall clock by default: fsync waits show as time in os.fsync).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import free_port, offline_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {"200x1": (200, 1), "500x10": (500, 10)}  # messages, parallel sessions
KINDS = ("postfix", "alloy-tui", "sink")
SIZE = 2048

CONFIG = offline_config(tail="[smtpd]\nmax_connections = 200\n")

POSTCONF = [
    "myhostname = bench.localdomain",
    "mydestination =",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    "default_transport = discard",
    "relay_transport = discard",
    "local_transport = discard",
    "mynetworks = 127.0.0.0/8",
    "smtpd_relay_restrictions = permit_mynetworks, reject",
    "maillog_file = /var/log/postfix.log",
    "smtpd_peername_lookup = no",
    "alias_maps =",
    "alias_database =",
    "smtpd_tls_security_level = none",
    "smtp_tls_security_level = none",
    "message_size_limit = 36700160",
]

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


def wait_listening(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"the server exited: {err}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


# ---------------------------------------------------------------- the postfix root
def debian_mirror() -> str:
    texts = []
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        if path.is_file():
            texts.append(path.read_text(errors="replace"))
    for text in texts:
        for m in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", text, re.M):
            if "security" not in m.group(1):
                return m.group(1)
    return "http://deb.debian.org/debian"


def make_root(root: Path) -> None:
    if (root / "usr/sbin/postfix").exists():
        return
    if os.geteuid() != 0:
        raise SystemExit(f"{root} is missing; making it needs root (debootstrap)")
    if not shutil.which("debootstrap"):
        subprocess.run(["apt-get", "install", "-y", "debootstrap"], check=True)
    mirror = debian_mirror()
    print(f"making {root} with debootstrap from {mirror} (a few minutes)...", flush=True)
    cmd = ["debootstrap", "--variant=minbase", "--include=postfix", "bookworm", str(root), mirror]
    subprocess.run(cmd, check=True)


def configure_postfix(root: Path, port: int) -> None:
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
    subprocess.run(["chroot", str(root), "/usr/sbin/postconf", "-e", *POSTCONF], check=True)
    master = root / "etc/postfix/master.cf"
    lines = []
    for line in master.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 8 and not line.startswith(("#", " ", "\t")):
            if fields[1] == "inet" and fields[7] == "smtpd":
                fields[0] = f"127.0.0.1:{port}"
            fields[4] = "n"  # no chroot of postfix's own services: we are in one already
            line = " ".join(fields)
        lines.append(line)
    master.write_text("\n".join(lines) + "\n")


def postfix(root: Path, action: str) -> None:
    """start or stop, waiting until it is so (`postfix status`)."""
    cmd = ["chroot", str(root), "/usr/sbin/postfix"]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([*cmd, action], check=False, **quiet)  # type: ignore[call-overload]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = subprocess.run([*cmd, "status"], check=False, **quiet).returncode == 0  # type: ignore[call-overload]
        if running == (action == "start"):
            return
        time.sleep(0.2)
    raise SystemExit(f"postfix {action} did not happen (see {root}/var/log/postfix.log)")


# ---------------------------------------------------------------- the servers
def start_ours(d: Path, port: int, profile: Path | None, clock: str) -> subprocess.Popen[bytes]:
    (d / "config.toml").write_text(CONFIG.format(d=d))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLOY_TUI_STATE_DIR": str(d / "state")}
    cmd = [sys.executable, "-m", "alloy_tui", "--config", str(d / "config.toml"), "smtpd"]
    if profile is not None:
        cmd[1:3] = ["-c", PROFILED, str(profile.with_suffix(".pstats")), clock]
    cmd += ["--listen", f"127.0.0.1:{port}", "--no-deliver"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start_sink(root: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = ["chroot", str(root), "/usr/sbin/smtp-sink", "-u", "nobody", "-c"]
    cmd += [f"127.0.0.1:{port}", "256"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def drive(root: Path, port: int, messages: int, sessions: int) -> float:
    """smtp-source's wall time for `messages` over `sessions` parallel sessions."""
    cmd = ["chroot", str(root), "/usr/sbin/smtp-source", "-d", "-s", str(sessions)]
    cmd += ["-m", str(messages), "-l", str(SIZE), "-f", "grafana@contoso.com"]
    cmd += ["-t", "ops@contoso.com", f"127.0.0.1:{port}"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"smtp-source failed: {done.stderr.decode(errors='replace')}")
    return wall


def queued(queue: Path) -> int:
    try:
        return sum(1 for n in os.listdir(queue / "meta") if n.endswith(".json"))
    except FileNotFoundError:
        return 0


def empty_outbox(queue: Path) -> None:
    for folder in ("meta", "messages"):
        for name in os.listdir(queue / folder) if (queue / folder).is_dir() else []:
            os.unlink(queue / folder / name)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the run
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--root", type=Path, default=Path("/var/tmp/postfix-root"))
    parser.add_argument("--profile", type=Path, help="cProfile our listener into FILE.pstats")
    parser.add_argument("--profile-clock", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    root = args.root.resolve()
    make_root(root)
    ports = {kind: free_port() for kind in KINDS}
    configure_postfix(root, ports["postfix"])
    work = Path(tempfile.mkdtemp(prefix="alloy-bench-", dir=root.parent))
    spool = root / "var/spool/postfix"
    if os.stat(work).st_dev != os.stat(spool).st_dev:
        raise SystemExit(f"{work} and {spool} are not on the same file system")
    postfix(root, "stop")
    postfix(root, "start")
    ours = start_ours(work, ports["alloy-tui"], args.profile, args.profile_clock)
    sink = start_sink(root, ports["sink"])
    try:
        for kind, proc in (("postfix", None), ("alloy-tui", ours), ("sink", sink)):
            wait_listening(ports[kind], proc)
        drive(root, ports["postfix"], 20, 2)  # warm both up (first fork, first imports)
        drive(root, ports["alloy-tui"], 20, 2)
        empty_outbox(work / "queue")
        results = run_rounds(args.rounds, root, ports, work / "queue", ours.pid)
    finally:
        ours.terminate()
        ours.wait(timeout=60)
        sink.terminate()
        sink.wait(timeout=10)
        postfix(root, "stop")
        shutil.rmtree(work, ignore_errors=True)
    report(results)


def run_rounds(
    rounds: int, root: Path, ports: dict[str, int], queue: Path, pid: int
) -> dict[tuple[str, str], list[float]]:
    results: dict[tuple[str, str], list[float]] = {}
    cpu: list[float] = []
    for r in range(rounds):
        order = KINDS[r % 3 :] + KINDS[: r % 3]
        for scenario, (messages, sessions) in SCENARIOS.items():
            for kind in order:
                cpu0 = cpu_seconds(pid)
                wall = drive(root, ports[kind], messages, sessions)
                results.setdefault((kind, scenario), []).append(wall)
                line = f"round {r} {scenario:7} {kind:9}: {wall:.3f} s"
                if kind == "alloy-tui":
                    got = queued(queue)
                    if got != messages:
                        raise SystemExit(f"the outbox holds {got} messages, {messages} were sent")
                    empty_outbox(queue)
                    cpu.append(cpu_seconds(pid) - cpu0)
                    line += f" (listener CPU {cpu[-1]:.2f} s; all {messages} queued once)"
                print(line, flush=True)
    return results


def report(results: dict[tuple[str, str], list[float]]) -> None:
    print()
    for scenario in SCENARIOS:
        med = {kind: statistics.median(results[(kind, scenario)]) for kind in KINDS}
        spread = {
            kind: f"{min(results[(kind, scenario)]):.2f}-{max(results[(kind, scenario)]):.2f}"
            for kind in KINDS
        }
        print(
            f"{scenario}: median postfix {med['postfix']:.3f} s ({spread['postfix']}), "
            f"alloy-tui {med['alloy-tui']:.3f} s ({spread['alloy-tui']}), "
            f"smtp-sink {med['sink']:.3f} s ({spread['sink']}); "
            f"alloy-tui/postfix {med['alloy-tui'] / med['postfix']:.2f}x (goal <= 1.3x), "
            f"postfix/sink {med['postfix'] / med['sink']:.1f}x"
        )


if __name__ == "__main__":
    main()
