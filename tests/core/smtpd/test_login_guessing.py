"""AUTH brute force: 3 failures close the connection, failures from one address lock it out
(the right password refused then), each failure is in the alert log without the password, and
a lockout raises one alert. Real TLS, real smtplib, the real listener."""

from __future__ import annotations

import base64
import json
import smtplib
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alloy_tui.core import secrets
from alloy_tui.core.health import syslog_out
from tests.helpers.alert_receivers import SyslogReceiver
from tests.helpers.smtpd_listener import MESSAGE, listening
from tests.helpers.smtpd_tls import tls_files
from tests.helpers.waiting import eventually

PASSWORD = "correct horse battery"


@pytest.fixture
def network(tmp_path: Path) -> tuple[str, ssl.SSLContext]:
    secrets.store_password("smtpd", "grafana", PASSWORD)
    lines, client = tls_files(tmp_path)
    return lines + 'users = ["grafana"]\n', client


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SyslogReceiver]:
    """The syslog socket the alerts go to (a real Unix datagram socket)."""
    r = SyslogReceiver(tmp_path / "log.sock")
    monkeypatch.setenv(syslog_out.SOCKET_ENV, str(r.path))
    yield r
    r.close()


def entries(folder: Path) -> list[dict[str, object]]:
    path = folder / "alert_log.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(folder: Path, event: str, count: int) -> list[dict[str, object]]:
    """The alert log's `event` entries once there are `count` (or what there is after 10 s)."""

    def found() -> list[dict[str, object]]:
        return [e for e in entries(folder) if e["event"] == event]

    eventually(lambda: len(found()) >= count, 10, 0.05)
    return found()


def login(port: int, client: ssl.SSLContext, password: str) -> smtplib.SMTP:
    c = smtplib.SMTP("127.0.0.1", port, timeout=15)
    c.starttls(context=client)
    c.login("grafana", password)
    return c


def test_three_failures_close_the_connection(
    tmp_path: Path, network: tuple[str, ssl.SSLContext]
) -> None:
    lines, client = network
    with listening(tmp_path, lines + "\n[alerts]\nsyslog = false\n") as (running, _):
        codes = guess(running.port, client, "127.0.0.1", [f"guess {n}" for n in range(5)])
        assert codes == [535, 535, 535, 421], codes  # then closed: the 4th try is not read
        failed = wait_for(tmp_path, "smtpd.auth_failed", 3)
        assert len(failed) == 3
        details = failed[0]["details"]
        assert isinstance(details, dict)
        assert details["client"] == "127.0.0.1" and details["user"] == "grafana"
        assert "guess" not in (tmp_path / "alert_log.jsonl").read_text()  # never the password


def guess(port: int, client: ssl.SSLContext, source: str, passwords: list[str]) -> list[int]:
    """One AUTH PLAIN per wrong password on one connection from `source`: each reply's code,
    then NOOP's (421 if the listener closed the connection; nothing more after a 421)."""
    codes = []
    c = smtplib.SMTP("127.0.0.1", port, timeout=15, source_address=(source, 0))
    c.starttls(context=client)
    c.ehlo()
    for password in passwords:
        token = base64.b64encode(f"\0grafana\0{password}".encode()).decode()
        try:
            code, _ = c.docmd("AUTH", f"PLAIN {token}")
        except smtplib.SMTPServerDisconnected:
            break
        codes.append(code)
        if code == 421:
            break
    else:  # the connection still open? (a 421 already sent is what NOOP reads)
        try:
            codes.append(c.docmd("NOOP")[0])
        except smtplib.SMTPServerDisconnected:
            codes.append(0)
    c.close()
    return codes


def test_failures_from_one_address_lock_it_out_even_for_the_right_password(
    tmp_path: Path,
    network: tuple[str, ssl.SSLContext],
    receiver: SyslogReceiver,
) -> None:
    lines, client = network
    smtpd = lines + "auth_failures_before_lockout = 4\nauth_lockout_minutes = 1\n"
    with listening(tmp_path, smtpd) as (running, box):
        port = running.port
        with login(port, client, PASSWORD) as ok:  # before: the right password works
            ok.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE)
        started = time.monotonic()
        assert guess(port, client, "127.0.0.1", ["a", "b", "c"]) == [535, 535, 535, 421]
        assert guess(port, client, "127.0.0.1", ["d"]) == [535, 421]  # the 4th: locked out
        assert time.monotonic() - started >= 0.25 + 0.5 + 0.75 + 1.0  # slower each time
        assert guess(port, client, "127.0.0.1", [PASSWORD]) == [421]  # the right one, refused
        with pytest.raises(smtplib.SMTPServerDisconnected):
            login(port, client, PASSWORD)
        other = guess(port, client, "127.0.0.2", ["e", "f", "g"])  # another address: its own count
        assert other == [535, 535, 535, 421]
        assert len(box.ids()) == 1
        failed = wait_for(tmp_path, "smtpd.auth_failed", 7)
        assert len(failed) == 7
        assert {str(e["details"]["client"]) for e in failed} == {"127.0.0.1", "127.0.0.2"}  # type: ignore[index]
        logged = (tmp_path / "alert_log.jsonl").read_text()
        for secret in ('"a"', '"d"', PASSWORD):
            assert secret not in logged
        sent = receiver.lines(wait=5)
        assert len(sent) == 1 and "failed logins from 127.0.0.1" in sent[0], sent
        state = json.loads((box.path / "health.json").read_text())
        assert state["alerts"]["smtpd_logins"]["active"] is True


def test_a_second_lockout_within_the_repeat_time_raises_no_second_alert(
    tmp_path: Path,
    network: tuple[str, ssl.SSLContext],
    receiver: SyslogReceiver,
) -> None:
    lines, client = network
    smtpd = lines + "auth_failures_before_lockout = 1\n"
    with listening(tmp_path, smtpd) as (running, _):
        assert guess(running.port, client, "127.0.0.3", ["x"]) == [535, 421]
        assert guess(running.port, client, "127.0.0.4", ["y"]) == [535, 421]
        assert len(wait_for(tmp_path, "smtpd.auth_failed", 2)) == 2
        time.sleep(0.5)
        sent = receiver.lines(wait=2)
        assert len(sent) == 1 and "127.0.0.3" in sent[0], sent  # once, de-duplicated
