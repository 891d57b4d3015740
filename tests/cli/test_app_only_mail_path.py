"""The mail path with app-only sign-in (exchange_online.auth = "certificate"), each a real
process against a sandbox in this process: `send --attach` (raw MIME, sent now) and `sendmail`
(queued, then delivered by the detached runner), both From the app's mailbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from alloy_tui.core.signin import certificate
from alloy_tui.sandbox import Sandbox
from tests.helpers.app_only import app_config
from tests.helpers.cli import delivered as wait_for
from tests.helpers.cli import run
from tests.helpers.m365 import (
    ACCOUNT,
)
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`

CRON_MAIL = b"From: root (Cron Daemon)\nTo: ops@contoso.example\nSubject: cron app-only\n\nok\n"


def cfg(sb: Sandbox, tmp_path: Path, api: str = "graph") -> Path:
    sb.clear_scenarios()
    sb.set_app_roles(["Mail.Send", "EWS.AccessAsApp"])
    sb.scope_app_to([ACCOUNT])
    pem = tmp_path / "app.pem"
    sb.register_certificate(certificate.write_new(pem, 365).certificate_pem)
    return app_config(
        sb, tmp_path, pem, api=api, extra='[sendmail]\nadmin = "ops@contoso.example"\n'
    )


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_send_attach_with_app_only(sb: Sandbox, tmp_path: Path, api: str) -> None:
    config = cfg(sb, tmp_path, api)
    report = tmp_path / "report.csv"
    report.write_text("host,used\nweb01,95%\n")
    subject = f"Report {api}"
    r = run(
        config,
        "send",
        "--to",
        "bob@example.com",
        "--subject",
        subject,
        "--attach",
        str(report),
        stdin=b"see attached\n",
    )
    assert r.returncode == 0, r.stderr
    m = wait_for(sb, subject, timeout=1)
    assert m.mime and m.attachments == ("report.csv",) and m.api == api
    assert m.account == ACCOUNT and m.from_address == ACCOUNT


def test_sendmail_with_app_only_sends_from_the_mailbox(sb: Sandbox, tmp_path: Path) -> None:
    config = cfg(sb, tmp_path)
    r = run(config, "sendmail", "-FCronDaemon", "-oi", "-t", stdin=CRON_MAIL)
    assert r.returncode == 0, r.stderr
    m = wait_for(sb, "cron app-only")
    assert m.from_address == ACCOUNT and m.to == ("ops@contoso.example",)


def test_sendmail_with_app_only_and_no_mailbox_says_so(sb: Sandbox, tmp_path: Path) -> None:
    config = cfg(sb, tmp_path)
    config.write_text(config.read_text().replace(f'mailbox = "{ACCOUNT}"\n', ""))
    r = run(config, "sendmail", "-t", stdin=CRON_MAIL)
    assert r.returncode == 78
    assert "exchange_online.mailbox" in r.stderr and "Traceback" not in r.stderr


def test_send_queue_with_app_only_is_delivered_from_the_mailbox(
    sb: Sandbox, tmp_path: Path
) -> None:
    config = cfg(sb, tmp_path)
    args = ("send", "--to", "bob@example.com", "--subject", "queued app-only", "--queue")
    r = run(config, *args, stdin=b"later\n")
    assert r.returncode == 0, r.stderr
    m = wait_for(sb, "queued app-only")
    assert m.from_address == ACCOUNT and m.account == ACCOUNT
