"""The runner alerts by another road when a message fails, and a webhook that answers 500 or
never answers does not touch the mail path (real sandbox, real HTTPS webhook receiver)."""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path

import pytest

from alloy_tui.core.outbox import Outbox
from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from tests.helpers.alert_receivers import (  # noqa: F401 - fixtures
    SyslogReceiver,
    WebhookReceiver,
    syslog_receiver,
    webhook_receiver,
)
from tests.helpers.cli import run as cli_run
from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`

run = partial(cli_run, syslog=True)


@pytest.fixture
def cfg(sb: Sandbox, tmp_path: Path, hook: WebhookReceiver, syslog: SyslogReceiver) -> Path:
    sb.clear_scenarios()
    bundle = tmp_path / "both-cas.pem"  # the sandbox's CA and the webhook's, one [network] bundle
    bundle.write_text(sb.ca_path.read_text() + hook.ca_path.read_text())
    text = config_text(sb, tmp_path).replace(str(sb.ca_path), str(bundle))
    path = tmp_path / "config.toml"
    write_config(path, text + f'[alerts]\nwebhook_url = "{hook.url}"\n')
    assert run(path, "login").returncode == 0
    return path


def submit(tmp_path: Path, subject: str) -> str:
    raw = (
        f"From: alerts@contoso.example\nTo: bob@example.com\nSubject: {subject}\n\nbody\n".encode()
    )
    box = Outbox(tmp_path / "queue")
    return box.submit(raw, recipients=["bob@example.com"], sender="", source="sendmail")


def make_failed(tmp_path: Path, qid: str) -> None:
    box = Outbox(tmp_path / "queue")
    meta = box.read_meta(qid)
    assert meta is not None
    meta.update(
        state="failed", last_error={"title": "refused", "code": "x", "cause": "", "fix": ""}
    )
    box.write_meta(meta)


@pytest.mark.parametrize("fault", ["none", "500", "timeout"])
def test_a_failed_message_alerts_and_a_broken_webhook_leaves_mail_alone(
    sb: Sandbox,
    cfg: Path,
    tmp_path: Path,
    hook: WebhookReceiver,
    syslog: SyslogReceiver,
    fault: str,
) -> None:
    if fault == "500":
        hook.status = 500
    if fault == "timeout":
        hook.delay = 15.0  # longer than alerts wait (10 s)
    make_failed(tmp_path, submit(tmp_path, "earlier, refused"))
    submit(tmp_path, f"goes out anyway {fault}")
    start = time.monotonic()
    r = run(cfg, "queue", "run")
    assert r.returncode == 0, r.stderr
    assert "Sent 1, deferred 0, failed 0" in r.stdout
    assert any(m.subject == f"goes out anyway {fault}" for m in sb.messages())
    assert time.monotonic() - start < 40
    # The mail log's lines (facility mail) share the socket; the alert is facility daemon (3).
    lines = syslog.lines(wait=2)
    got = [x for x in lines if int(x[1 : x.index(">")]) >> 3 == 3]
    assert len(got) == 1 and "1 queued message failed" in got[0], lines
    assert any(int(x[1 : x.index(">")]) >> 3 == 2 for x in lines)  # the mail log's lines
    assert hook.texts(wait=2) and "1 queued message failed" in hook.texts()[0]
    entries = [json.loads(x) for x in (tmp_path / "alert_log.jsonl").read_text().splitlines()]
    failed = [e for e in entries if e["event"] == "alert.failed"]
    if fault == "none":
        assert failed == []
    else:
        assert len(failed) == 1
        assert ("http 500" if fault == "500" else "timeout") in str(failed[0]["message"]).lower()
    assert "s3cr3t" not in (tmp_path / "alert_log.jsonl").read_text()
