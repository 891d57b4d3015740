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
