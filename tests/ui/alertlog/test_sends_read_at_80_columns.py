"""At 80x24 a send reads "subject -> recipient" (and the error's title when it failed), from
what the send itself wrote: real notifications through a real aiosmtpd server and smtplib, the
real alert-log writer, then the screen on that log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alloy_tui.core.alertlog import Entry
from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError
from alloy_tui.core.mail.message import OutgoingMessage
from alloy_tui.core.mail.sending import send_message
from alloy_tui.ui.alertlog.app import AlertLogApp
from alloy_tui.ui.alertlog.cells import headline
from tests.helpers.alertlog_screen import footer_text, ready, rows, until
from tests.helpers.smtp_server import SmtpServer

SUBJECT = "Disk /var 95% full"


def settings_for(server: SmtpServer) -> Settings:
    s = Settings(service="smtp")
    s = s.with_section("network", ca_bundle=str(server.tls.ca_path), timeout=5.0)
    s = s.with_section("smtp", host="127.0.0.1", port=server.port, security=server.mode)
    return s.with_section("message", default_from="server@contoso.test")


def log_path() -> Path:
    return Path(os.environ["ALLOY_TUI_STATE_DIR"]) / "alert_log.jsonl"


@pytest.fixture
def sends(tmp_path: Path) -> Path:
    """One notification sent, then one the server refuses (relay denied)."""
    with SmtpServer(tmp_path, "starttls") as server:
        settings = settings_for(server)
        config = tmp_path / "config.toml"
        ok = OutgoingMessage(to=("ops@contoso.test",), subject=SUBJECT, body="95%\n")
        send_message(settings, config, ok)
        server.handler.rcpt_reply = "554 5.7.1 Relay access denied"
        refused = OutgoingMessage(to=("dba@contoso.test",), subject="Backup failed", body="x\n")
        with pytest.raises(ExplainedError):
            send_message(settings, config, refused)
    return log_path()


async def test_a_send_shows_subject_and_recipient_at_80x24(sends: Path) -> None:
    app = AlertLogApp(sends, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, app)
        await until(pilot, lambda: len(screen.base) == 2)
        failed, sent = rows(app)
        assert " notification.sent " in sent and "● INFO" in sent
        assert f"{SUBJECT} -> ops@contoso.test" in sent, sent
        assert " notification.failed " in failed and "✖ ERROR" in failed
        # Subject and recipient first: what an admin scans for. No room left for the error's
        # title at 80 columns (it is in the details, and in the row when wider).
        assert failed.rstrip().endswith("Backup failed -> dba@contoso.test"), failed
        entry = screen.logfile.read_row(screen.view.rows.start(0))
        title = entry.details["error"]
        assert title == "The server refuses to relay"
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert f"Backup failed -> dba@contoso.test: {title}" in rows(app)[0]
        # The full message is one Enter away.
        await pilot.press("enter")
        await pilot.pause()
        body = str(app.screen.query_one("#details-body").render())
        assert entry.message in body and '"subject": "Backup failed"' in body


async def test_the_footer_keeps_quit_and_help_at_80_and_60_columns(sends: Path) -> None:
    app = AlertLogApp(sends, poll=0.01)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await until(pilot, lambda: "Quit" in footer_text(app))
        shown = footer_text(app)
        for label in ("Enter Details", "Esc Back", "/ Search", "e Error", "F1 Help", "^Q Quit"):
            assert label in shown, shown
        await pilot.resize_terminal(60, 20)
        await until(pilot, lambda: "More keys" in footer_text(app))
        assert footer_text(app).endswith("^Q Quit")
        await pilot.press("f1")
        await pilot.pause()
        help_text = str(app.screen.query_one("#details-body").render())
        # Every key, the folded ones too.
        for key in ("e / E", "l ", "t ", "T ", "F5", "Keys here:", "t Time", "l Level"):
            assert key in help_text, key
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


def _send(subject: str, to: list[str], level: str = "info", error: str = "") -> Entry:
    details: dict[str, object] = {"subject": subject, "to": to}
    if error:
        details["error"] = error
    return Entry(raw="", valid=True, level=level, message="m", details=details)


def test_the_subject_is_cut_before_the_recipient() -> None:
    long = "Disk /var on web01.contoso.com is 95% full"
    assert headline(_send(long, ["ops@contoso.com"]), 37) == "Disk /var on web0… -> ops@contoso.com"
    assert headline(_send("Disk", ["a@b.c", "d@e.f"]), 40) == "Disk -> a@b.c, d@e.f"
    failed = _send("Disk", ["a@b.c"], "error", "Relay denied")
    assert headline(failed, 40) == "Disk -> a@b.c: Relay denied"
    # No room for the error's title beside a readable subject: the title goes first.
    assert (
        headline(
            _send(
                "Backup failed", ["dba@contoso.test"], "error", "Relay access denied by the server"
            ),
            37,
        )
        == "Backup failed -> dba@contoso.test"
    )
    # Not a send (no subject): the message, cut.
    assert (
        headline(Entry(raw="", valid=True, message="Signed in", details={"to": ["x"]}), 20)
        == "Signed in"
    )
    # A recipient too long for the column: the whole cut at the end.
    assert headline(_send("S", ["a" * 50]), 10) == "S -> aaaa…"


def test_an_outbox_entry_reads_the_recipients_it_is_about() -> None:
    """A partial mail.sent, or a mail.failed for one refused recipient of three, names those."""
    partial = _send("Disk", ["ok@b.c", "ops@b.c", "bad@b.c"])
    partial.details["recipients"] = ["ok@b.c"]
    assert headline(partial, 40) == "Disk -> ok@b.c"
    refused = _send("Disk", ["ok@b.c", "ops@b.c", "bad@b.c"], "error", "User unknown")
    refused.details["recipients"] = ["bad@b.c"]
    assert headline(refused, 40) == "Disk -> bad@b.c: User unknown"
