"""Alerts by another road, for real: a Unix datagram socket standing in for /dev/log, and an
HTTPS webhook receiver on 127.0.0.1 (trustme CA) reached through core.net's TLS settings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings, from_mapping
from alloy_tui.core.health import Condition, notify, syslog_out, webhook
from tests.helpers.alert_receivers import (  # noqa: F401 - fixtures
    SyslogReceiver,
    WebhookReceiver,
    syslog_socket,
    webhook_receiver,
)


def settings_for(tmp_path: Path, hook: WebhookReceiver, timeout: float = 10.0) -> Settings:
    s = Settings().with_section("alerts", webhook_url=hook.url)
    s = s.with_section("network", ca_bundle=str(hook.ca_path), timeout=timeout)
    return s.with_section("alert_log", path=str(tmp_path / "alert_log.jsonl"))


def log(tmp_path: Path) -> list[dict[str, object]]:
    p = tmp_path / "alert_log.jsonl"
    return [json.loads(line) for line in p.read_text().splitlines()] if p.exists() else []


DOWN = Condition("signin", True, text="Sign-in needed.", recovered="Sign-in works again.")
UP = Condition("signin", False, text="Sign-in needed.", recovered="Sign-in works again.")


def test_both_roads_once_per_repeat_hours_and_the_recovery_always(
    tmp_path: Path, hook: WebhookReceiver, syslog: SyslogReceiver
) -> None:
    s = settings_for(tmp_path, hook)
    box = tmp_path / "queue"
    now = time.time()
    assert [a.priority for a in notify(s, tmp_path / "c.toml", box, [DOWN], now=now)] == ["err"]
    assert notify(s, tmp_path / "c.toml", box, [DOWN], now=now + 3600) == []
    assert len(notify(s, tmp_path / "c.toml", box, [DOWN], now=now + 6 * 3600 + 1)) == 1
    assert [
        a.priority for a in notify(s, tmp_path / "c.toml", box, [UP], now=now + 6 * 3600 + 2)
    ] == ["notice"]
    assert notify(s, tmp_path / "c.toml", box, [UP], now=now + 6 * 3600 + 3) == []
    texts = hook.texts(wait=2, count=3)
    assert len(texts) == 3 and texts[0].endswith(": Sign-in needed.")
    assert texts[2].endswith(": Sign-in works again.")
    lines = syslog.lines(wait=2, count=3)
    assert [line[:4] for line in lines] == ["<27>", "<27>", "<29>"]
    assert all("alloy-tui[" in line for line in lines)
    sent = [e for e in log(tmp_path) if e["event"] == "alert.sent"]
    assert len(sent) == 3
    assert f"webhook 127.0.0.1:{hook.port}" in str(sent[0]["message"])
    raw = (tmp_path / "alert_log.jsonl").read_text()
    assert hook.secret_path not in raw and "s3cr3t" not in raw  # the URL is a secret


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_a_broken_webhook_is_logged_and_never_raises(
    tmp_path: Path, hook: WebhookReceiver, syslog: SyslogReceiver, fault: str
) -> None:
    if fault == "500":
        hook.status = 500
    else:
        hook.delay = 4.0
    s = settings_for(tmp_path, hook, timeout=1.0)
    start = time.monotonic()
    notify(s, tmp_path / "c.toml", tmp_path / "queue", [DOWN])
    assert time.monotonic() - start < 3.5
    failed = [e for e in log(tmp_path) if e["event"] == "alert.failed"]
    assert len(failed) == 1 and failed[0]["level"] == "warning"
    said = str(failed[0]["message"])
    assert ("http 500" if fault == "500" else "timeout") in said.lower()
    assert f"127.0.0.1:{hook.port}" in said and "s3cr3t" not in said
    assert len(syslog.lines(wait=1)) == 1  # the other road still carried it


def test_plain_http_is_refused_unless_loopback(tmp_path: Path) -> None:
    _, problems = from_mapping({"alerts": {"webhook_url": "http://hooks.example.com/s3cr3t"}})
    assert [p.key for p in problems] == ["alerts.webhook_url"]
    assert "s3cr3t" not in problems[0].message  # never echoed back
    for ok in ("http://127.0.0.1:8065/hooks/x", "http://localhost/x", "https://hooks.slack.com/x"):
        assert from_mapping({"alerts": {"webhook_url": ok}})[1] == []
        assert webhook.refusal(ok) == ""
    assert "https://" in webhook.refusal("http://hooks.example.com/s3cr3t")
    assert "s3cr3t" not in webhook.refusal("http://hooks.example.com/s3cr3t")


def test_config_show_hides_the_webhook_path(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from alloy_tui.cli import cli

    cfg = tmp_path / "config.toml"
    cfg.write_text('[alerts]\nwebhook_url = "https://hooks.slack.com/services/T0/B0/s3cr3t"\n')
    cfg.chmod(0o600)
    out = CliRunner().invoke(cli, ["--config", str(cfg), "config", "show"]).output
    assert "hooks.slack.com" in out and "s3cr3t" not in out


def test_no_syslog_socket_is_logged_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(syslog_out.SOCKET_ENV, str(tmp_path / "nothing-here.sock"))
    s = Settings().with_section("alert_log", path=str(tmp_path / "alert_log.jsonl"))
    notify(s, tmp_path / "c.toml", tmp_path / "queue", [DOWN])
    failed = [e for e in log(tmp_path) if e["event"] == "alert.failed"]
    assert len(failed) == 1 and "syslog socket" in str(failed[0]["message"])
