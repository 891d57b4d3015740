"""Ctrl+C, SIGTERM and SIGHUP while a send waits on a server that stalls: the real program in a
subprocess writes one `notification.interrupted` alert-log entry and exits 128 + the signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.fault_servers import trickle_server


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_send_leaves_one_entry(tmp_path: Path, sig: signal.Signals) -> None:
    log = tmp_path / "alert_log.jsonl"
    with trickle_server(greeting=b"220 stall.test ESMTP\r\n") as server:  # then never answers
        config = tmp_path / "config.toml"
        config.write_text(
            f'service = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n'
            f'security = "none"\n[network]\ntimeout = 60\n[alert_log]\npath = "{log}"\n'
            '[message]\ndefault_from = "noc@contoso.test"\n'
        )
        body = tmp_path / "body.txt"
        body.write_bytes(b"Disk 3 failed.\n")
        proc = subprocess.Popen(
            [sys.executable, "-m", "alloy_tui", "--config", str(config)]
            + ["send", "--to", "ops@contoso.test", "--subject", "RAID degraded"],
            stdin=body.open("rb"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "dumb"},
        )
        assert server.connected.wait(30), "the send never reached the server"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert b"Traceback" not in err
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["event"] == "notification.interrupted" and entry["level"] == "error"
    assert entry["details"]["signal"] == sig.name
    assert entry["details"]["to"] == ["ops@contoso.test"]


def test_sigterm_during_a_graph_send_leaves_one_entry(tmp_path: Path) -> None:
    """The same while httpx waits on a Graph endpoint that accepted the request and stalls."""
    from alloy_tui.sandbox import Sandbox
    from alloy_tui.sandbox.session import config_text, write_config

    env = {**os.environ, "TERM": "dumb"}
    cli = [sys.executable, "-m", "alloy_tui", "--config", str(tmp_path / "config.toml")]
    with (
        Sandbox(auto_approve_after=0) as sb,
        trickle_server(tmp_path, tls=True, drip=b"HTTP/1.1 ", every=5) as server,
    ):
        config = tmp_path / "config.toml"
        write_config(config, config_text(sb, tmp_path))
        login = subprocess.run([*cli, "login"], capture_output=True, env=env, timeout=60)
        assert login.returncode == 0, login.stderr
        assert server.ca_path is not None
        bundle = tmp_path / "both-ca.pem"
        bundle.write_bytes(sb.ca_path.read_bytes() + server.ca_path.read_bytes())
        text = config.read_text().replace(sb.graph_endpoint, f"https://127.0.0.1:{server.port}")
        config.write_text(text.replace(str(sb.ca_path), str(bundle)).replace("10.0", "60"))
        proc = subprocess.Popen(
            [*cli, "test-send", "--to", "ops@contoso.example"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert server.connected.wait(30), "the send never reached the server"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    entries = [json.loads(line) for line in (tmp_path / "alert_log.jsonl").read_text().splitlines()]
    sends = [e for e in entries if e["event"].startswith("test_message.")]
    assert [e["event"] for e in sends] == ["test_message.interrupted"]
    assert sends[0]["details"]["signal"] == "SIGTERM" and sends[0]["details"]["api"] == "graph"
