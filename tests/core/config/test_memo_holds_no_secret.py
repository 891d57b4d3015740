"""The parsed-config memo (config-parsed.json) holds no secret: not the webhook URL, not a
password_command, not any key named like a password, token or secret, known or not; not the
config's text either. The doors that read it still get every value: sendmail hands mail over,
`status --check` sends its alert to the webhook, and a secret asked for on a memo hit is parsed
from the text already read. Real processes, a real HTTPS webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core.config import is_secret_setting, read_values
from alloy_tui.core.config.parsed_cache import MEMO_NAME, digest
from alloy_tui.core.outbox import Outbox, runner_active
from tests.helpers.alert_receivers import WebhookReceiver
from tests.helpers.cli import run as cli_run

SECRETS = {
    "smtp.password_command": "printf 'pc-hunter2-secret'",
    "exchange_server.password_command": "echo es-pw-c0mmand",
    # Unknown keys (ignored, warned about) that still must not be copied anywhere.
    "smtp.password": "pl41n-smtp-passw0rd",
    "exchange_online.client_secret": "cl13nt~s3cret.value",
    "alerts.api_key": "ak-9f8e7d6c5b4a",
    "network.proxy_credentials": "proxyuser:pr0xy-pw",
}


@pytest.fixture
def hook(tmp_path: Path) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(tmp_path)
    yield r
    r.close()


def config_text(tmp_path: Path, hook: WebhookReceiver) -> str:
    by_section: dict[str, list[str]] = {}
    for dotted, value in SECRETS.items():
        section, key = dotted.split(".")
        by_section.setdefault(section, []).append(f"{key} = {json.dumps(value)}")
    by_section.setdefault("smtp", []).append('host = "127.0.0.1"\nport = 9\nsecurity = "none"')
    by_section["alerts"] += [f'webhook_url = "{hook.url}"', "syslog = false"]
    by_section["network"] += [f'ca_bundle = "{hook.ca_path}"', "timeout = 10"]
    by_section["queue"] = [f'path = "{tmp_path / "queue"}"']
    by_section["alert_log"] = [f'path = "{tmp_path / "alert_log.jsonl"}"']
    by_section["sendmail"] = ['admin = "ops@contoso.com"']
    by_section["message"] = ['default_from = "noc@contoso.com"']
    body = "".join(f"[{name}]\n" + "\n".join(lines) + "\n" for name, lines in by_section.items())
    return 'service = "smtp"\n' + body


def config_and_memo(tmp_path: Path, hook: WebhookReceiver) -> tuple[Path, Path]:
    """<tmp_path>/config.toml with every secret setting, and where its memo goes."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(config_text(tmp_path, hook))
    return cfg, state() / MEMO_NAME


def state() -> Path:
    folder = Path(os.environ["ALLOY_TUI_STATE_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def secret_values(hook: WebhookReceiver) -> list[str]:
    return [*SECRETS.values(), hook.url, hook.secret_path, "s3cr3t-webhook-token"]


def assert_no_secret(memo: Path, hook: WebhookReceiver) -> None:
    raw = memo.read_bytes()
    for value in secret_values(hook):
        assert value.encode() not in raw, value
        assert json.dumps(value)[1:-1].encode() not in raw, value  # nor JSON-escaped
    kept = json.loads(raw)
    assert "text" not in kept
    assert sorted(kept["withheld"]) == sorted([*SECRETS, "alerts.webhook_url"])


def run(cfg: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return cli_run(cfg, *args, stdin=stdin, decode=False, env={"ALLOY_TUI_CONFIG": str(cfg)})


def test_every_secret_is_named_by_the_rule() -> None:
    assert all(is_secret_setting(k) for k in [*SECRETS, "alerts.webhook_url"])
    assert not any(is_secret_setting(k) for k in ("smtp.host", "exchange_online.token_cache"))


def test_the_memo_keeps_no_secret_and_a_hit_still_reads_each(
    tmp_path: Path, hook: WebhookReceiver
) -> None:
    cfg, memo = config_and_memo(tmp_path, hook)
    first = read_values(cfg)  # a miss: parsed, then memoised
    assert_no_secret(memo, hook)
    assert memo.stat().st_mode & 0o777 == 0o600
    hit = read_values(cfg)  # a hit: the secrets parsed from the text when asked for
    assert hit.text("alerts.webhook_url") == hook.url
    assert hit.text("smtp.password_command") == SECRETS["smtp.password_command"]
    assert hit.data == first.data
    # On a hit the door's usual values need no parser; the webhook URL brings it in.
    code = (
        "import sys; from alloy_tui.core.config import read_values; "
        f"v = read_values({str(cfg)!r}); a = v.text('smtp.host'), 'tomllib' in sys.modules; "
        "b = v.text('alerts.webhook_url'), 'tomllib' in sys.modules; print(a, b)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=True
    ).stdout.strip()
    assert out == f"('127.0.0.1', False) ('{hook.url}', True)"
    assert_no_secret(memo, hook)


def test_an_old_memo_holding_the_text_is_replaced_at_the_next_read(
    tmp_path: Path, hook: WebhookReceiver
) -> None:
    cfg = tmp_path / "config.toml"
    text = config_text(tmp_path, hook)
    cfg.write_text(text)
    memo = state() / MEMO_NAME
    memo.write_text(json.dumps({"path": str(cfg), "text": text, "parsed": {}}))
    memo.chmod(0o600)
    assert read_values(cfg).text("alerts.webhook_url") == hook.url  # a miss: the file is read
    assert_no_secret(memo, hook)
    assert json.loads(memo.read_text())["digest"] == digest(text)


def test_sendmail_and_status_check_work_on_a_memo_hit_and_the_alert_reaches_the_webhook(
    tmp_path: Path, hook: WebhookReceiver
) -> None:
    cfg, memo = config_and_memo(tmp_path, hook)
    mail = b"Subject: disk\nTo: root\n\n/var is 95% full\n"
    for _ in range(2):  # the first hand-off keeps the memo, the second reads it
        r = run(cfg, "sendmail", "-i", "root", stdin=mail)
        assert r.returncode == 0, r.stderr
        assert_no_secret(memo, hook)
    box = Outbox(tmp_path / "queue")
    deadline = time.monotonic() + 30

    def busy() -> bool:  # issue 23: the runner sendmail starts queues the hand-offs
        waiting = [p for p in (box.path / "incoming").glob("*") if not p.name.startswith(".")]
        return runner_active(box.path) or bool(waiting)

    while busy() and time.monotonic() < deadline:
        time.sleep(0.1)  # the runner each hand-off starts (nothing listens on port 9)
    assert not runner_active(box.path)
    messages = box.list()
    assert len(messages) == 2 and all(m.to == ("ops@contoso.com",) for m in messages)
    for m in messages:  # pending for 3 h: CRITICAL, and an alert is due
        meta = box.read_meta(m.id)
        assert meta is not None
        meta["queued_at"] = time.time() - 3 * 3600
        meta["next_attempt_at"] = time.time() + 3600  # the detached runner leaves them be
        box.write_meta(meta)
    r = run(cfg, "status", "--check")
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout.startswith(b"ALLOY-TUI CRITICAL - ")
    texts = hook.texts(wait=10)
    assert len(texts) == 1 and "Mail is not going out" in texts[0]
    assert hook.paths == [hook.secret_path]
    assert_no_secret(memo, hook)
    for m in messages:
        box.delete(m.id)
