"""What `send` and `test-send` report when the edges fail: the alert log can't be written, stdout
is full or closed, the body is not UTF-8 (also under the C locale cron has), the body is over the
server's size limit. The real program in a subprocess against a real aiosmtpd server."""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import CLI
from tests.helpers.smtp_server import SmtpServer

SEND = ["send", "--to", "ops@contoso.test", "--subject", "Disk alert"]


def run(
    config: Path,
    *args: str,
    stdin: bytes = b"",
    stdout: object = subprocess.PIPE,
    locale: str | None = None,
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TERM": "dumb"}
    if locale:
        env.update(LC_ALL=locale, LANG=locale)
        env.pop("PYTHONUTF8", None)
        env.pop("PYTHONIOENCODING", None)
    return subprocess.run(
        [*CLI, "--config", str(config), *args],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        env=env,
    )


def smtp_config(tmp_path: Path, server: SmtpServer, log: Path | None = None, port: int = 0) -> Path:
    log = log or tmp_path / "alert_log.jsonl"
    path = tmp_path / "config.toml"
    path.write_text(
        f"""service = "smtp"
[smtp]
host = "127.0.0.1"
port = {port or server.port}
security = "none"
[network]
timeout = 5
[alert_log]
path = "{log}"
[message]
default_from = "noc@contoso.test"
"""
    )
    return path


def body_of(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


# -- 1. a delivered message never exits non-zero ---------------------------------------------------


@pytest.mark.parametrize("command", [["test-send", "--to", "ops@contoso.test"], SEND])
@pytest.mark.parametrize(
    ("log", "why"), [("folder", b"is a folder"), ("/dev/full", b"disk is full")]
)
def test_delivered_with_an_unwritable_log_exits_0_and_warns(
    tmp_path: Path, command: list[str], log: str, why: bytes
) -> None:
    path = Path(log) if log.startswith("/") else tmp_path / log
    if log == "folder":
        path.mkdir()
    with SmtpServer(tmp_path) as server:
        r = run(smtp_config(tmp_path, server, path), *command, stdin=b"Disk 3 failed.\n")
    assert len(server.messages) == 1
    assert r.returncode == 0, r.stderr
    assert b"has been sent to ops@contoso.test via SMTP" in r.stdout
    assert b"alert log" in r.stderr and why in r.stderr, r.stderr
    assert b"Traceback" not in r.stderr


def test_failed_send_keeps_why_and_fix_when_the_log_cannot_be_written(tmp_path: Path) -> None:
    folder = tmp_path / "logdir"
    folder.mkdir()
    from tests.helpers.fault_servers import closed_port

    with SmtpServer(tmp_path) as server:
        config = smtp_config(tmp_path, server, folder, port=closed_port())
        r = run(config, *SEND, stdin=b"x\n")
    assert r.returncode == 1, r.stderr
    assert b"Connection refused" in r.stderr and b"Why:" in r.stderr and b"Fix:" in r.stderr
    assert b"is a folder" in r.stderr


def test_full_stdout_after_a_delivered_send_is_still_exit_0(tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server, open("/dev/full", "wb") as full:
        r = run(smtp_config(tmp_path, server), *SEND, stdin=b"x\n", stdout=full)
    assert len(server.messages) == 1
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr and b"standard output" in r.stderr


def test_closed_stdout_after_a_delivered_send_is_still_exit_0(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # `send | true`: nobody reads the result line
    try:
        with SmtpServer(tmp_path) as server:
            r = run(smtp_config(tmp_path, server), *SEND, stdin=b"x\n", stdout=write_end)
    finally:
        os.close(write_end)
    assert len(server.messages) == 1
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr and b"Exception ignored" not in r.stderr


# -- 2. bodies are bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize("locale", [None, "C", "POSIX"])
def test_a_utf8_body_arrives_intact_under_any_locale(tmp_path: Path, locale: str | None) -> None:
    text = "Disque plein à 95 % ✓\n"
    with SmtpServer(tmp_path) as server:
        r = run(smtp_config(tmp_path, server), *SEND, stdin=text.encode(), locale=locale)
    assert r.returncode == 0, r.stderr
    assert body_of(server.messages[0].data) == text


@pytest.mark.parametrize("locale", [None, "C"])
def test_a_latin1_body_is_sent_as_latin1_not_empty(tmp_path: Path, locale: str | None) -> None:
    raw = "Température élevée: 81 °C\n".encode("latin-1")
    with SmtpServer(tmp_path) as server:
        r = run(smtp_config(tmp_path, server), *SEND, stdin=raw, locale=locale)
    assert r.returncode == 0, r.stderr
    assert body_of(server.messages[0].data) == raw.decode("latin-1")
    assert b"not UTF-8" in r.stderr  # said once, on stderr: the bytes were read as ISO-8859-1
    (entry,) = [
        json.loads(line) for line in (tmp_path / "alert_log.jsonl").read_text().splitlines()
    ]
    assert entry["details"]["body_charset"] == "iso-8859-1"


def test_a_binary_body_is_refused_with_exit_2(tmp_path: Path) -> None:
    with SmtpServer(tmp_path) as server:
        r = run(smtp_config(tmp_path, server), *SEND, stdin=b"\x7fELF\x02\x01\x01\x00\x00\xff")
    assert r.returncode == 2, r.stderr
    assert b"binary" in r.stderr and b"Traceback" not in r.stderr
    assert server.messages == []


# -- 15. a body over the limit is refused before anything is sent ----------------------------------


def test_a_body_over_the_smtp_servers_size_is_refused_before_data(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, data_size_limit=20_000) as server:
        r = run(smtp_config(tmp_path, server), *SEND, stdin=b"0123456789\n" * 3000)
    assert r.returncode == 2, r.stderr
    assert b"20000" in r.stderr.replace(b",", b"") and b"SIZE" in r.stderr
    assert b"Nothing was sent" in r.stderr
    assert server.messages == []


def test_stdin_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """An endless body: the command reads just past its cap, refuses, and exits 2."""
    with SmtpServer(tmp_path) as server:
        config = smtp_config(tmp_path, server)
        proc = subprocess.Popen(
            [*CLI, "--config", str(config), *SEND],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "dumb"},
        )
        assert proc.stdin is not None
        written = 0
        chunk = b"y" * (1024 * 1024)
        try:
            while written < 200 * 1024 * 1024:
                proc.stdin.write(chunk)
                written += len(chunk)
        except BrokenPipeError:
            pass
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, err
    assert written < 64 * 1024 * 1024, written  # the SMTP cap is 35 MB: it stopped reading
    assert b"too large" in err and server.messages == []
