"""Mail from programs made acceptable to Graph and EWS: the real `alloy-tui sendmail` (queued,
then delivered by the detached runner) against the sandbox, which refuses NUL bytes
(ErrorMimeContentConversionFailed), turns bare CRs into line breaks and refuses a Sender other
than the account, as Exchange does. Real msal/httpx/exchangelib over HTTPS."""

from __future__ import annotations

import email
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from alloy_tui.sandbox.session import config_text, write_config
from alloy_tui.sandbox.store import DeliveredMessage
from tests.helpers.cli import run
from tests.helpers.m365 import ACCOUNT

BINARY_BODY = (
    b"backup: start\n\x00\x00 tar: NUL in a file name\rprogress 50%\rprogress 100%\ndone\n"
)


def configure(sb: Sandbox, tmp_path: Path, api: str = "graph") -> Path:
    sb.clear_scenarios()
    path = tmp_path / "config.toml"
    write_config(
        path, config_text(sb, tmp_path, api=api) + '[sendmail]\nadmin = "ops@contoso.example"\n'
    )
    assert run(path, "login").returncode == 0
    return path


def handed_off(sb: Sandbox, cfg: Path, raw: bytes, subject: str) -> DeliveredMessage:
    """`raw` handed to `sendmail -oi -t` (exit 0), then the message once the sandbox has it."""
    assert run(cfg, "sendmail", "-oi", "-t", stdin=raw).returncode == 0
    return delivered(sb, cfg, subject)


def delivered(sb: Sandbox, cfg: Path, subject: str, timeout: float = 60.0) -> DeliveredMessage:
    """The message once the sandbox has it (a flush makes sure the queue is tried now)."""
    deadline = time.monotonic() + timeout
    flushed = False
    while time.monotonic() < deadline:
        found = [m for m in sb.messages() if m.subject == subject]
        if found:
            return found[-1]
        if not flushed and time.monotonic() > deadline - timeout + 3:
            run(cfg, "queue", "flush")
            flushed = True
        time.sleep(0.2)
    listing = run(cfg, "queue", "list").stdout
    raise AssertionError(f"{subject!r} never arrived; queue: {listing}")


def stored(m: DeliveredMessage) -> EmailMessage:
    msg = email.message_from_bytes(Path(m.path).read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_nul_and_bare_cr_body_arrives_whole(sb: Sandbox, tmp_path: Path, api: str) -> None:
    cfg = configure(sb, tmp_path, api)
    subject = f"Cron <root@web01> backup {api}"
    raw = f"From: root (Cron Daemon)\nTo: root\nSubject: {subject}\n\n".encode() + BINARY_BODY
    r = run(cfg, "sendmail", "-FCronDaemon", "-oi", "-t", stdin=raw)
    assert r.returncode == 0, r.stderr
    m = delivered(sb, cfg, subject)
    assert m.mime and m.api == api and m.to == ("ops@contoso.example",)
    assert stored(m).get_payload(decode=True) == BINARY_BODY


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_latin1_cron_body_is_labelled(sb: Sandbox, tmp_path: Path, api: str) -> None:
    cfg = configure(sb, tmp_path, api)
    body = "Sauvegarde terminée: 3 fichiers copiés\n".encode("latin-1")
    raw = f"From: root (Cron Daemon)\nTo: root\nSubject: sauvegarde {api}\n\n".encode() + body
    msg = stored(handed_off(sb, cfg, raw, f"sauvegarde {api}"))
    assert msg.get_content_charset() == "iso-8859-1"
    assert msg.get_content().replace("\r\n", "\n") == "Sauvegarde terminée: 3 fichiers copiés\n"


def test_rewritten_from_goes_to_reply_to_and_a_foreign_sender_is_removed(
    sb: Sandbox, tmp_path: Path
) -> None:
    cfg = configure(sb, tmp_path)
    raw = (
        b"From: Nightly Backup <backup@fabrikam.example>\n"
        b"Sender: bounces@fabrikam.example\n"
        b"To: ops@contoso.example\nSubject: from rewritten\n\nok\n"
    )
    m = handed_off(sb, cfg, raw, "from rewritten")
    msg = stored(m)
    assert m.from_address == ACCOUNT and msg["From"].addresses[0].addr_spec == ACCOUNT
    assert "Nightly Backup" in str(msg["From"])
    assert str(msg["Reply-To"]) == "Nightly Backup <backup@fabrikam.example>"
    assert msg["Sender"] is None


def test_a_reply_to_of_the_program_is_kept(sb: Sandbox, tmp_path: Path) -> None:
    cfg = configure(sb, tmp_path)
    raw = (
        b"From: app@fabrikam.example\nReply-To: helpdesk@fabrikam.example\n"
        b"To: ops@contoso.example\nSubject: own reply-to\n\nok\n"
    )
    msg = stored(handed_off(sb, cfg, raw, "own reply-to"))
    assert msg.get_all("Reply-To") == ["helpdesk@fabrikam.example"]


@pytest.mark.parametrize("api", ["graph", "ews"])
def test_to_is_the_recipients_when_the_envelope_differs(
    sb: Sandbox, tmp_path: Path, api: str
) -> None:
    cfg = configure(sb, tmp_path, api)
    subject = f"envelope only {api}"
    raw = f"To: someone@elsewhere.example\nSubject: {subject}\n\nok\n".encode()
    r = run(cfg, "sendmail", "-oi", "ops@contoso.example", stdin=raw)
    assert r.returncode == 0, r.stderr
    m = delivered(sb, cfg, subject)
    assert m.to == ("ops@contoso.example",) and m.bcc == () and m.cc == ()
    assert str(stored(m)["To"]) == "ops@contoso.example"


def test_visible_to_and_cc_are_who_it_goes_to_bcc_stays_hidden(sb: Sandbox, tmp_path: Path) -> None:
    cfg = configure(sb, tmp_path)
    raw = (
        b"To: root, dev@contoso.example\nCc: lead@contoso.example\n"
        b"Bcc: audit@contoso.example\nSubject: visible recipients\n\nok\n"
    )
    m = handed_off(sb, cfg, raw, "visible recipients")
    assert m.to == ("ops@contoso.example", "dev@contoso.example")
    assert m.cc == ("lead@contoso.example",) and m.bcc == ("audit@contoso.example",)
    assert "audit" not in str(stored(m).get("To", "")) + str(stored(m).get("Cc", ""))
