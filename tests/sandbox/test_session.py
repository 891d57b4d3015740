"""`alloy-tui sandbox serve | messages` and the throwaway --sandbox session."""

from __future__ import annotations

import os
import re
import signal
import ssl
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.config.settings import from_mapping
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import open_sandbox_session


def test_serve_prints_endpoints_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alloy_tui",
            "sandbox",
            "serve",
            "--dir",
            str(tmp_path),
            "--auto-approve",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("path = "):  # the last line of the config snippet
                break
        out = "".join(lines)
        base = re.search(r"Alloy sandbox at (https://127\.0\.0\.1:\d+)", out)
        assert base, out
        for label in (
            "tenant:",
            "client id:",
            "graph endpoint:",
            "ews endpoint:",
            "verification URL:",
            "CA file:",
        ):
            assert label in out
        assert f'ca_bundle = "{tmp_path / "sandbox-ca.pem"}"' in out
        snippet = out[out.index('service = "exchange-online"') :]
        settings, problems = from_mapping(tomllib.loads(snippet))
        assert problems == [] and settings.exchange_online.login_endpoint == base.group(1)
        ctx = ssl.create_default_context(cafile=str(tmp_path / "sandbox-ca.pem"))
        page = httpx.get(f"{base.group(1)}/devicelogin", verify=ctx, timeout=10)
        assert page.status_code == 200 and "Approve" in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Stopping the sandbox" in err
    assert (tmp_path / "sandbox-ca.pem").exists()  # --dir is the user's folder: kept


def test_serve_refuses_a_bad_tenant() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--tenant", "contoso"])
    assert result.exit_code == 2 and "must be a GUID" in result.output


def test_messages_lists_what_was_delivered(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["sandbox", "messages", "--dir", str(tmp_path)])
    assert empty.exit_code == 0 and "No messages" in empty.output
    with Sandbox(workdir=tmp_path) as sb:
        from alloy_tui.sandbox.mailbox import deliver

        deliver(
            sb,
            api="graph",
            account="alerts@contoso.example",
            from_address="helpdesk@contoso.example",
            sender="alerts@contoso.example",
            to=["bob@example.com"],
            subject="Backup finished",
            body="ok",
            html=False,
        )
    result = runner.invoke(cli, ["sandbox", "messages", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (
        "[graph]  From: helpdesk@contoso.example (sent by alerts@contoso.example on behalf)"
        in result.output
    )
    assert "To: bob@example.com  Subject: Backup finished" in result.output
    missing = runner.invoke(cli, ["sandbox", "messages", "--dir", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "no such folder" in missing.output


def test_session_writes_a_valid_private_config_and_cleans_up() -> None:
    with open_sandbox_session(auto_approve_after=0.5) as session:
        sb, path = session.sandbox, session.config_path
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        data: dict[str, Any] = tomllib.loads(path.read_text())
        settings, problems = from_mapping(data)
        assert problems == []
        eo = settings.exchange_online
        assert settings.service == "exchange-online" and eo.api == "graph"
        assert (eo.tenant, eo.client_id) == (sb.tenant, sb.client_id)
        assert (eo.login_endpoint, eo.graph_endpoint, eo.ews_endpoint) == (
            sb.login_endpoint,
            sb.graph_endpoint,
            sb.ews_endpoint,
        )
        assert settings.network.ca_bundle == str(sb.ca_path) and sb.ca_path.exists()
        for p in (eo.token_cache, settings.alert_log.path):
            assert Path(p).parent == session.workdir
        assert sb.auto_approve_after == 0.5 and sb.running
        workdir = session.workdir
    assert not workdir.exists() and not sb.running


def test_session_cleans_up_on_error() -> None:
    try:
        with open_sandbox_session() as session:
            workdir = session.workdir
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert not workdir.exists()


def test_serve_reports_a_busy_port() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(cli, ["sandbox", "serve", "--port", str(port)])
    assert (
        result.exit_code == 1 and f"cannot start the sandbox on 127.0.0.1:{port}" in result.output
    )


def test_failed_start_leaves_no_folder() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        sb = Sandbox(port=s.getsockname()[1])
        with pytest.raises(OSError):
            sb.start()
    assert sb.workdir is not None and not sb.workdir.exists() and not sb.running


def test_session_for_ews_with_delegation() -> None:
    with open_sandbox_session(api="ews", from_delegation=True) as session:
        settings, problems = from_mapping(tomllib.loads(session.config_path.read_text()))
    assert problems == []
    assert settings.exchange_online.api == "ews" and settings.exchange_online.from_delegation
