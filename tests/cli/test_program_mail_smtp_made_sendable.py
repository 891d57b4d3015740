"""Mail from programs over SMTP: the real `alloy-tui sendmail` and runner against a real aiosmtpd
server. NUL bytes and bare CRs never reach the wire (smtplib would turn a bare CR into a line
break); the body decodes to the program's bytes; To and Cc stay as the program wrote them."""

from __future__ import annotations

import email
import time
from email import policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path

from tests.helpers.cli import run as cli_run
from tests.helpers.smtp_server import Received, SmtpServer, relay_config

BODY = b"rsync: start\n\x00 NUL from a broken file name\rprogress 10%\rprogress 100%\r\ndone\n"


def configure(tmp_path: Path, server: SmtpServer) -> Path:
    return relay_config(tmp_path, server.port, network="timeout = 5\n")


run = partial(cli_run, decode=False)


def received(server: SmtpServer, cfg: Path, timeout: float = 60.0) -> Received:
    deadline = time.monotonic() + timeout
    run(cfg, "queue", "flush")
    while time.monotonic() < deadline:
        if server.messages:
            return server.messages[-1]
        time.sleep(0.1)
    raise AssertionError("nothing arrived")


def parsed(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_nul_and_bare_cr_never_reach_the_wire_and_decode_whole(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        cfg = configure(tmp_path, server)
        raw = b"From: root (Cron Daemon)\nTo: root\nSubject: rsync\n\n" + BODY
        r = run(cfg, "sendmail", "-oi", "-t", stdin=raw)
        assert r.returncode == 0, r.stderr
        got = received(server, cfg)
    assert b"\x00" not in got.data
    assert b"\r" not in got.data.replace(b"\r\n", b"")
    assert got.rcpt_tos == ["ops@contoso.test"]
    assert parsed(got.data).get_payload(decode=True) == BODY


def test_to_and_cc_stay_as_the_program_wrote_them(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        cfg = configure(tmp_path, server)
        raw = (
            b"From: app@fabrikam.test\nTo: Team <team@elsewhere.test>, other@elsewhere.test\n"
            b"Cc: boss@elsewhere.test\nSubject: envelope differs\n\nok\n"
        )
        r = run(cfg, "sendmail", "-oi", "ops@contoso.test", stdin=raw)
        assert r.returncode == 0, r.stderr
        got = received(server, cfg)
    assert got.rcpt_tos == ["ops@contoso.test"]
    assert b"To: Team <team@elsewhere.test>, other@elsewhere.test\r\n" in got.data
    assert b"Cc: boss@elsewhere.test\r\n" in got.data
    msg = parsed(got.data)
    assert str(msg["Reply-To"]) == "app@fabrikam.test"
    assert msg["From"].addresses[0].addr_spec == "noc@contoso.test"


def test_latin1_body_is_labelled_over_smtp(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, "none") as server:
        cfg = configure(tmp_path, server)
        raw = b"From: root\nTo: root\nSubject: php mail\n\nCommande re\xe7ue\n"
        assert run(cfg, "sendmail", "-oi", "-t", stdin=raw).returncode == 0
        got = received(server, cfg)
    msg = parsed(got.data)
    assert msg.get_content_charset() == "iso-8859-1"
    assert msg.get_content().replace("\r\n", "\n") == "Commande reçue\n"
