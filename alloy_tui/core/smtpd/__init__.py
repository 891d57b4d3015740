"""The local SMTP listener: programs that speak SMTP (Grafana, Alertmanager, Zabbix, printers)
hand their mail to the outbox, with sendmail's rules. Outside this package, import from here.

    serve(settings, config_path, "127.0.0.1:2525")      # foreground, until SIGTERM (the CLI)
    with daemon_listener(settings, config_path):         # `queue run --daemon` (core/daemon.py)
        drain(settings, config_path, daemon=True, stop=stop)
    running = start_listener(settings, config_path)      # on a thread; running.port, .stop()
    serve_pipe(settings, config_path)                    # `sendmail -bs`: one session on stdin/stdout
    serve_pipe_to_maildrop(folder)                       # `sendmail -bs` without the config

Built on aiosmtpd (no SMTP parsing of our own). Nothing here imports msal, httpx, exchangelib
or Textual.
"""

from __future__ import annotations

from alloy_tui.core.smtpd.options import ListenerOptions, SmtpdError, listener_options
from alloy_tui.core.smtpd.pipe import PipeSummary, serve_pipe, serve_pipe_to_maildrop
from alloy_tui.core.smtpd.running import (
    ListenerThread,
    daemon_listener,
    serve,
    start_listener,
)
from alloy_tui.core.smtpd.server import Listener

__all__ = [
    "Listener",
    "ListenerOptions",
    "ListenerThread",
    "PipeSummary",
    "SmtpdError",
    "daemon_listener",
    "listener_options",
    "serve",
    "serve_pipe",
    "serve_pipe_to_maildrop",
    "start_listener",
]
