"""The daemon (`queue run --daemon`) against a real sandbox: it keeps the sign-in alive by
itself, only one daemon serves an outbox, and SIGTERM / SIGHUP in the middle of a send let the
message finish (SIGHUP then starts the daemon afresh, same pid)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.cli import CLI, signed_in_config
from tests.helpers.waiting import wait_until

ENV = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", "ALLOY_TUI_SYSLOG_SOCKET": "/nonexistent"}


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path) -> Path:
    extra = '[sendmail]\nadmin = "ops@contoso.example"\n'
    return signed_in_config(sb, tmp_path, extra, env={"ALLOY_TUI_SYSLOG_SOCKET": "/nonexistent"})


@pytest.fixture
def daemon(cfg: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        p = subprocess.Popen(
            [*CLI, "--config", str(cfg), "queue", "run", "--daemon"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        started.append(p)
        return p

    yield start
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def events(tmp_path: Path, name: str) -> list[dict[str, object]]:
    log = tmp_path / "alert_log.jsonl"
    if not log.exists():
        return []
    return [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == name]


def submit(cfg: Path, subject: str) -> None:
    msg = f"To: root\nSubject: {subject}\n\nbody\n".encode()
    r = subprocess.run(
        [*CLI, "--config", str(cfg), "sendmail", "-t"], input=msg, capture_output=True, env=ENV
    )
    assert r.returncode == 0, r.stderr


def test_the_daemon_refreshes_the_sign_in_by_itself_and_runs_alone(
    cfg: Path, tmp_path: Path, daemon: Callable[[], subprocess.Popen[bytes]]
) -> None:
    first = daemon()
    wait_until(lambda: bool(events(tmp_path, "signin.refreshed")))  # never refreshed: at once
    state = json.loads((tmp_path / "queue" / "health.json").read_text())
    assert time.time() - state["last_refresh"] < 60
    second = daemon()
    out, err = second.communicate(timeout=30)
    assert second.returncode == 1
    assert "another `queue run --daemon` already serves the outbox" in err.decode()
    assert f"(pid {first.pid})" in err.decode()
    assert first.poll() is None
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_send_lets_the_message_finish(
    sb: Sandbox,
    cfg: Path,
    tmp_path: Path,
    daemon: Callable[[], subprocess.Popen[bytes]],
    sig: signal.Signals,
) -> None:
    proc = daemon()
    time.sleep(1.5)
    sb.set_scenario("slow", retry_after=3)
    submit(cfg, f"in flight {sig.name}")
    wait_until(lambda: bool(list((tmp_path / "queue" / "claims").glob("*.lock"))))
    proc.send_signal(sig)
    wait_until(lambda: any(m.subject == f"in flight {sig.name}" for m in sb.messages()))
    # sent, and recorded as sent: nothing left pending (the record follows the send's answer)
    wait_until(lambda: list((tmp_path / "queue" / "meta").iterdir()) == [], timeout=15)
    if sig == signal.SIGTERM:
        assert proc.wait(30) == 0
        return
    time.sleep(1.0)
    assert proc.poll() is None  # SIGHUP: started afresh in the same process
    submit(cfg, "after the reload")
    wait_until(lambda: any(m.subject == "after the reload" for m in sb.messages()), 60)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    # the message in flight at the SIGHUP went out once: the restart did not send it again
    assert [m.subject for m in sb.messages()].count(f"in flight {sig.name}") == 1
