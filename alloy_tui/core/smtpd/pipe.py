"""`sendmail -bs`: one SMTP session on stdin/stdout (Symfony Mailer and Laravel by default,
inetd-style callers), with the listener's rules and its code.

The session is the listener's own (`Listener`, `Session`, `Handler`: the same checks of MAIL,
RCPT and DATA, the same batch to the outbox, 250 with the queue id only once the message is
durable), on one end of a socket pair; two threads copy stdin to the other end and the other end
to stdout, so any stdin works (pipe, file, socket, terminal). The caller is a local process
running as this user, so it is trusted as loopback is: no AUTH, no STARTTLS.

When stdin ends, the commands already read are still answered (a script may write its whole
session and close stdin at once); the session ends after them. SIGTERM, SIGINT or SIGHUP: a
hand-off in progress finishes (its 250 is sent), then 421 and the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.smtpd.options import ListenerOptions, limits, pipe_limits
from alloy_tui.core.smtpd.running import assemble
from alloy_tui.core.smtpd.server import Listener
from alloy_tui.core.smtpd.session import Session

WORKERS = 4  # recipient checks and the hand-off of one session's messages
CHUNK = 65536
DRAIN_SECONDS = 10.0  # for the last replies to reach stdout once the session is closed


class PipeSummary(NamedTuple):
    accepted: int  # messages answered 250 (queued)
    interrupted: bool  # a signal ended a session that was still open
    failures: tuple[tuple[int, str], ...] = ()  # into the maildrop: each 451/452's (sysexits, why)


def pipe_options(settings: Settings) -> ListenerOptions:
    """The listener's rules and limits (`options.limits`); no passwords, no TLS (a local
    process as this user, trusted as loopback is); one session. The session's own caller is
    the only one it serves, so it is not cut for length, nor for an idle minute: Symfony Mailer
    (Laravel) keeps `sendmail -bs` open between messages and checks it with NOOP only after
    100 s; a session closed sooner would fail its next message."""
    return ListenerOptions(host="stdin", port=0, **pipe_limits(limits(settings)))


class PipeSession(Session):
    """The listener's session, except at the end of stdin: aiosmtpd drops the commands still
    buffered when its peer half-closes; here they are answered first."""

    def eof_received(self) -> bool | None:
        return asyncio.StreamReaderProtocol.eof_received(self)  # feed_eof, keep writing

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, asyncio.IncompleteReadError):  # stdin ended (mid-DATA: no 250)
            self.hang_up()
            return "421 4.4.2 End of input; closing the session"
        status: str = await super().handle_exception(error)
        return status


class _PipeListener(Listener):
    """The listener's session factory (its limits, its handler), making PipeSessions."""

    def _protocol(self) -> asyncio.Protocol:
        made = super()._protocol()
        if type(made) is Session:
            made.__class__ = PipeSession  # same state; only the end of input differs
        return made


def _copy_in(rfd: int, sock: socket.socket) -> None:
    """stdin -> the session; at the end of stdin, half-close (the session answers what it has)."""
    try:
        while data := os.read(rfd, CHUNK):
            sock.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


def _copy_out(sock: socket.socket, wfd: int) -> None:
    """The session -> stdout, until the session closes (or stdout does: then the session ends)."""
    try:
        while data := sock.recv(CHUNK):
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view) :]
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


async def _session(
    settings: Settings,
    config_path: Path,
    options: ListenerOptions,
    fds: tuple[int, int],
    outbox: Outbox | None,
    deliver: bool,
) -> PipeSummary:
    listener = assemble(
        settings,
        config_path,
        options,
        deliver=deliver,
        outbox=outbox,
        workers=WORKERS,
        make=_PipeListener,
    )
    assert isinstance(listener, _PipeListener)
    return await _converse(listener, listener.pool, fds)


async def _drop_session(
    folder: Path, options: ListenerOptions, fds: tuple[int, int]
) -> PipeSummary:
    from alloy_tui.core.smtpd.drop_handler import DropHandler

    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="smtpd-pipe")
    handler = DropHandler(folder, options, pool)
    summary = await _converse(_PipeListener(handler, options, pool), pool, fds)
    return summary._replace(failures=tuple(handler.failures))


async def _converse(
    listener: _PipeListener, pool: ThreadPoolExecutor, fds: tuple[int, int]
) -> PipeSummary:
    """The one session on fds until it ends (stdin done, stdout gone, or a signal)."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await loop.connect_accepted_socket(listener._protocol, ours)
    pumps = [
        threading.Thread(target=_copy_in, args=(fds[0], theirs), daemon=True),
        threading.Thread(target=_copy_out, args=(theirs, fds[1]), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    stopped = asyncio.ensure_future(stop.wait())
    emptied = asyncio.ensure_future(listener.emptied.wait())
    if listener.live:  # woken by the session's end or a signal, whichever comes first
        await asyncio.wait({stopped, emptied}, return_when=asyncio.FIRST_COMPLETED)
    interrupted = bool(listener.live)
    await listener.stop()  # a hand-off in progress answers first; then 421 to an open session
    stopped.cancel()
    emptied.cancel()
    pool.shutdown(wait=True)
    await loop.run_in_executor(None, pumps[1].join, DRAIN_SECONDS)
    theirs.close()
    return PipeSummary(listener.handler.accepted, interrupted)


def serve_pipe(
    settings: Settings,
    config_path: Path,
    fds: tuple[int, int] = (0, 1),
    *,
    outbox: Outbox | None = None,
    deliver: bool = True,
) -> PipeSummary:
    """One SMTP session reading fds[0] and answering on fds[1]; returns when it ends. With
    `deliver`, a detached runner starts after accepted mail (as sendmail's hand-off does)."""
    options = pipe_options(settings)
    coro = _session(settings, config_path, options, fds, outbox, deliver)
    result: PipeSummary = asyncio.run(coro)
    return result


def serve_pipe_to_maildrop(folder: Path, fds: tuple[int, int] = (0, 1)) -> PipeSummary:
    """`sendmail -bs` for a user who can't use the config: one SMTP session with the listener's
    rules that need no config (`drop_handler.drop_options`), each message a drop file in
    `folder` (250 once durable, 451/452 when the maildrop can't take it)."""
    from alloy_tui.core.smtpd.drop_handler import drop_options

    result: PipeSummary = asyncio.run(_drop_session(Path(folder), drop_options(), fds))
    return result
