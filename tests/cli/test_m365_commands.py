"""The headless commands in real separate processes: login, status, test-send, send, logout.

Each command is its own process, so the token cache carrying over between them is tested for real.
stdin is closed (or /dev/null), TERM=dumb, NO_COLOR=1, like cron.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.cli import (
    CLI,
    sandbox_config,  # noqa: F401 - fixture `cfg`
)
from tests.helpers.m365 import ACCOUNT


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.update(TERM="dumb", NO_COLOR="1")
    return e


def run(
    cfg: Path, *args: str, stdin: str | None = None, closed_stdin: bool = False
) -> subprocess.CompletedProcess[str]:
    cmd = [*CLI, "--config", str(cfg), *args]
    if closed_stdin:  # fd 0 really closed, as under some cron daemons
        shell = " ".join(f"'{c}'" for c in cmd) + " <&-"
        return subprocess.run(
            ["sh", "-c", shell], capture_output=True, text=True, env=env(), timeout=60
        )
    return subprocess.run(
        cmd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )


def test_login_then_send_in_separate_processes(sb: Sandbox, cfg: Path) -> None:
    out = run(cfg, "status")
    assert (
        out.returncode == 1 and "not signed in" in out.stdout and "Ready to send: no" in out.stdout
    )

    out = run(cfg, "login", closed_stdin=True)
    assert out.returncode == 0, out.stderr
    assert sb.verification_url in out.stdout and "enter the code:" in out.stdout
    assert f"Signed in as Alloy Alerts <{ACCOUNT}>." in out.stdout
    assert f'account = "{ACCOUNT}"' in cfg.read_text()  # status and cron know which account

    out = run(cfg, "status")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (
        f"Account: Alloy Alerts <{ACCOUNT}>" in out.stdout and "Token refresh: works" in out.stdout
    )
    assert "Access token valid until" in out.stdout and "Ready to send: yes" in out.stdout

    sb.clear_requests()
    out = run(cfg, "test-send", "--to", "bob@example.com", closed_stdin=True)
    assert out.returncode == 0, out.stderr
    assert "Test message has been sent to bob@example.com via Microsoft Graph" in out.stdout
    assert not [r for r in sb.requests("entra") if "devicecode" in r.path]  # no new sign-in

    out = run(
        cfg,
        "send",
        "--to",
        "ops@contoso.example",
        "--to",
        "bob@example.com",
        "--subject",
        "Disk full",
        stdin="92% on /var\n",
    )
    assert out.returncode == 0, out.stderr
    m = sb.messages()[-1]
    assert (
        m.subject == "Disk full"
        and "92% on /var" in m.body
        and sorted(m.to) == ["bob@example.com", "ops@contoso.example"]
    )

    out = run(cfg, "send", "--to", "bob@example.com", "--subject", "Empty body", closed_stdin=True)
    assert out.returncode == 0, out.stderr

    out = run(
        cfg, "send", "--to", "bob@example.com", "--subject", "HTML", "--html", stdin="<b>x</b>"
    )
    assert out.returncode == 0 and sb.messages()[-1].html

    out = run(cfg, "logout")
    assert out.returncode == 0 and f"Signed out {ACCOUNT}" in out.stdout
    out = run(cfg, "test-send", "--to", "bob@example.com")
    assert out.returncode == 1
    assert "Not signed in" in out.stderr and "alloy-tui login" in out.stderr
    out = run(cfg, "status")
    assert out.returncode == 1 and "Ready to send: no" in out.stdout


def test_test_send_through_graph_reaches_the_service_as_mime(sb: Sandbox, cfg: Path) -> None:
    """One delivery path: the test message is composed as MIME and posted to sendMail as the
    base64 of it (text/plain), exactly as queued cron mail is; no JSON message."""
    import base64
    import email
    import email.policy

    assert run(cfg, "login").returncode == 0
    sb.clear_requests()
    out = run(cfg, "test-send", "--to", "bob@example.com")
    assert out.returncode == 0, out.stderr
    [req] = sb.requests("graph")
    assert req.method == "POST" and req.path.endswith("/me/sendMail")
    assert req.headers["content-type"] == "text/plain"
    got = email.message_from_bytes(base64.b64decode(req.body), policy=email.policy.default)
    assert got["To"] == "bob@example.com" and got["From"] == ACCOUNT
    assert str(got["Subject"]).startswith("alloy-tui test message from ")
    assert got["Message-ID"] and got["Date"] and got["X-Mailer"].startswith("alloy-tui ")
    body = got.get_body(preferencelist=("plain", "html"))
    assert body is not None and "This is a test message from alloy-tui." in body.get_content()
    delivered = sb.messages()[-1]  # stored as handed over: MIME, its Message-ID kept
    assert delivered.message_id == got["Message-ID"] and delivered.api == "graph"
    assert list(delivered.to) == ["bob@example.com"]


def test_failures_explained_with_exit_1(sb: Sandbox, cfg: Path) -> None:
    assert run(cfg, "login").returncode == 0
    out = run(cfg, "test-send", "--to", "bob@example.com", "--from", "helpdesk@contoso.example")
    assert out.returncode == 1
    assert "Sending as another address is turned off" in out.stderr and "Fix:" in out.stderr
    sb.set_scenario("mailbox_not_enabled", count=1)
    out = run(cfg, "test-send", "--to", "bob@example.com")
    assert out.returncode == 1 and "Why:" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["test-send", "--to", "bob@@example.com"],
        ["test-send", "--to", "bob@example.com\r\nBcc: eve@example.com"],
        ["send", "--to", "bob@example.com", "--subject", "a\nBcc: eve@example.com"],
        ["send", "--subject", "no recipient"],
    ],
)
def test_bad_input_exit_2_without_traffic(sb: Sandbox, cfg: Path, args: list[str]) -> None:
    sb.clear_requests()
    out = run(cfg, *args, stdin="body")
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith("alloy-tui: ") and "Traceback" not in out.stderr
    assert sb.requests() == []


def test_bad_app_settings_exit_2(sb: Sandbox, cfg: Path) -> None:
    cfg.write_text(cfg.read_text().replace(f'client_id = "{sb.client_id}"', 'client_id = "my-app"'))
    out = run(cfg, "login")
    assert out.returncode == 2 and "client_id" in out.stderr and "GUID" in out.stderr


def test_login_cancelled_with_ctrl_c(sb: Sandbox, cfg: Path) -> None:
    sb.auto_approve_after = None
    proc = subprocess.Popen(
        [*CLI, "--config", str(cfg), "login"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    seen = ""
    while "Waiting" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 130 and "cancelled" in err.lower()
    log = (cfg.parent / "alert_log.jsonl").read_text()
    assert '"signin.cancelled"' in log


def test_sandbox_flag_shows_the_whole_path_in_one_command(tmp_path: Path) -> None:
    out = subprocess.run(
        [*CLI, "--sandbox", "test-send", "--to", "bob@example.com"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "enter the code:" in out.stderr and "approved automatically" in out.stderr
    assert "Test message has been sent to bob@example.com" in out.stdout


def test_mail_held_for_a_sign_in_goes_once_signed_in(sb: Sandbox, cfg: Path) -> None:
    import time

    before = len(sb.messages())
    out = run(
        cfg, "send", "--queue", "--from", ACCOUNT, "--to", "bob@example.com", "--subject",
        "held for login",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    run(cfg, "queue", "run")  # not signed in: the queue is held (service: sign-in needed)
    out = run(cfg, "status")
    assert "Ready to send: no, held until" in out.stdout, out.stdout
    out = run(cfg, "login", closed_stdin=True)
    assert out.returncode == 0, out.stderr
    assert "The queue was held; its mail is tried now." in out.stdout
    deadline = time.monotonic() + 30
    while len(sb.messages()) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [m.subject for m in sb.messages()[before:]] == ["held for login"]
