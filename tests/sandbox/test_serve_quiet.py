"""`alloy-tui sandbox serve` says only its own two lines on stderr, even after a client signed in
over SMTP (aiosmtpd logged "Session.login_data is deprecated" after every AUTH), and its guide
says which From the Exchange Server user sends as."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.guide import guide_lines


def test_no_deprecation_warning_on_stderr_after_smtp_auth(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "alloy_tui", "sandbox", "serve", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "default"},  # Python's own warnings shown too
    )
    try:
        assert proc.stdout is not None
        out = ""
        for line in proc.stdout:
            out += line
            if line.startswith("  CA file:"):
                break
        found = re.search(r"SMTP server:\s+127\.0\.0\.1 port (\d+)", out)
        assert found, out
        ctx = ssl.create_default_context(cafile=str(tmp_path / "sandbox-ca.pem"))
        for _ in range(2):
            with smtplib.SMTP("127.0.0.1", int(found.group(1)), timeout=10) as client:
                client.starttls(context=ctx)
                client.login("svc-alerts@contoso.example", "Sandbox-Passw0rd")
                client.sendmail(
                    "svc-alerts@contoso.example",
                    ["ops@contoso.example"],
                    b"From: svc-alerts@contoso.example\r\nTo: ops@contoso.example\r\n"
                    b"Subject: quiet\r\n\r\nhi\r\n",
                )
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert err.splitlines() == ["Press Ctrl-C to stop.", "Stopping the sandbox."], err
    assert len(list((tmp_path / "messages").iterdir())) == 2


def test_the_guide_names_the_exchange_server_from() -> None:
    with Sandbox() as sb:
        lines = guide_lines(sb)
    at = lines.index("Exchange Server (NTLM or Basic):")
    said = [line.strip() for line in lines[at + 1 : at + 4]]
    assert said[1].startswith("user CONTOSO\\svc-alerts")
    assert said[2].startswith("From svc-alerts@contoso.example"), said
