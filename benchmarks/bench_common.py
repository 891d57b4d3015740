"""Shared by the benchmarks that need no service: the offline config (sign-in and Graph point at
port 9 on loopback, where nothing listens, so nothing is ever delivered) and a free port."""

from __future__ import annotations

import socket

OFFLINE_CONFIG = """\
service = "exchange-online"
[exchange_online]
tenant = "contoso.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"
account = "alerts@contoso.com"
# never reached: nothing listens on port 9
login_endpoint = "https://127.0.0.1:9"
graph_endpoint = "https://127.0.0.1:9"
{exchange}[alert_log]
path = "{{d}}/alert_log.jsonl"
[queue]
path = "{{d}}/queue"
{queue}[sendmail]
admin = "ops@contoso.com"
{tail}"""


def offline_config(*, exchange: str = "", queue: str = "", tail: str = "") -> str:
    """The config text with `{d}` left for the run's folder; `exchange`, `queue`: lines added to
    those sections; `tail`: sections added at the end (e.g. "[smtpd]\\n...")."""
    return OFFLINE_CONFIG.format(exchange=exchange, queue=queue, tail=tail)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
