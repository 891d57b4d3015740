"""The local SMTP listener for tests: a config, the listener on a thread of the test process
(real sockets, real aiosmtpd) or in a process of its own (`SmtpdProcess`), and a raw-socket
client for what smtplib won't do wrong."""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alloy_tui.core.config import load_or_default
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.smtpd import ListenerThread, start_listener

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
MESSAGE = (
    b"From: Grafana <grafana@contoso.com>\r\nTo: ops@contoso.com\r\nSubject: CPU high\r\n"
    b"\r\nThe CPU is at 97 %.\r\n"
)


def write_config(
    folder: Path,
    smtpd: str | None = "",
    queue: Path | None = None,
    exchange_online: str = "",
    *,
    admin: str = "ops@contoso.com",
    extra: str = "",
) -> Path:
    """exchange-online as alerts@contoso.com (nothing listens at its endpoints: the runner
    must never reach Microsoft), [smtpd] lines (None: no [smtpd] section), extra
    [exchange_online] lines (`large_messages = true`: Graph's limit is 3 MB without), the
    [sendmail] admin, and `extra` sections at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(
        'service = "exchange-online"\n'
        "[exchange_online]\n"
        f'tenant = "contoso.onmicrosoft.com"\nclient_id = "{CLIENT_ID}"\n'
        'account = "alerts@contoso.com"\n'
        'login_endpoint = "https://127.0.0.1:9"\ngraph_endpoint = "https://127.0.0.1:9"\n'
        f"{exchange_online}\n"
        f'[alert_log]\npath = "{folder / "alert_log.jsonl"}"\n'
        f'[queue]\npath = "{queue or folder / "queue"}"\n'
        f'[sendmail]\nadmin = "{admin}"\n'
        + ("" if smtpd is None else f"[smtpd]\n{smtpd}\n")
        + extra
    )
    return config


@contextmanager
def listening(
    folder: Path,
    smtpd: str = "",
    listen: str = "127.0.0.1:0",
    queue: Path | None = None,
    exchange_online: str = "",
    *,
    config: Path | None = None,
) -> Iterator[tuple[ListenerThread, Outbox]]:
    """The listener on `listen` and its outbox, from `config` or else a config written with
    these [smtpd] and [exchange_online] lines; stopped at the end."""
    config = config or write_config(folder, smtpd, queue, exchange_online)
    settings = load_or_default(config).settings
    box = Outbox(queue or folder / "queue")
    running = start_listener(settings, config, listen, outbox=box)
    try:
        yield running, box
    finally:
        running.stop()


def data_answer(folder: Path, **listening_kw: Any) -> tuple[int, bytes]:
    """MESSAGE from grafana@contoso.com to ops@contoso.com through a listener started as
    `listening(folder, **listening_kw)`: its answer to DATA."""
    with (
        listening(folder, **listening_kw) as (running, _),
        smtplib.SMTP("127.0.0.1", running.port) as c,
    ):
        c.ehlo()
        c.mail("grafana@contoso.com")
        c.rcpt("ops@contoso.com")
        return c.data(MESSAGE)


class Raw:
    """A line-level SMTP client on a plain socket: sends exactly the bytes it is given."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> str:
        """One whole reply (its last line: 'NNN ' not 'NNN-'); '' when the server closed."""
        lines: list[str] = []
        while True:
            while b"\n" not in self.buffer:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return "\n".join(lines)
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.rstrip(b"\r").decode("utf-8", "replace")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return "\n".join(lines)

    def command(self, line: bytes) -> str:
        self.send(line + b"\r\n")
        return self.reply()

    def closed_within(self, seconds: float) -> tuple[bool, bytes]:
        """(whether the server closed the connection in time, what it sent before)."""
        self.sock.settimeout(0.2)
        seen = self.buffer
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return True, seen
            if not chunk:
                return True, seen
            seen += chunk
        return False, seen

    def close(self) -> None:
        self.sock.close()


class SmtpdProcess:
    """`alloy-tui --config CONFIG smtpd --no-deliver` in its own process on a free loopback port,
    entered once it says it listens; on exit terminated, its stderr kept in `stderr`."""

    def __init__(self, config: Path, state: Path) -> None:
        self.config, self.state = config, state
        self.stderr = b""

    def __enter__(self) -> SmtpdProcess:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = {**os.environ, "ALLOY_TUI_STATE_DIR": str(self.state)}
        cmd = [sys.executable, "-m", "alloy_tui", "--config", str(self.config), "smtpd"]
        cmd += ["--listen", f"127.0.0.1:{self.port}", "--no-deliver"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert self.proc.stdout is not None
            assert b"listening on" in self.proc.stdout.readline()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        _, self.stderr = self.proc.communicate(timeout=30)
