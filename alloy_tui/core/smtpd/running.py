"""Running the listener: in the foreground (`alloy-tui smtpd`), or on a thread of another
process (the queue daemon, tests, the benchmark).

Run on its own (`deliver=True`) it also delivers what it accepted, as sendmail does: after an
accepted message it starts a detached runner unless one is running (at most one start per
KICK_GAP seconds, always followed by one more check at the end of a burst).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alloy_tui.core.config import Settings
from alloy_tui.core.outbox import Outbox, open_outbox
from alloy_tui.core.smtpd.handler import Handler
from alloy_tui.core.smtpd.options import ListenerOptions, SmtpdError, listener_options
from alloy_tui.core.smtpd.server import Listener

KICK_GAP = 2.0  # seconds between two detached-runner starts
WORKERS = 32  # threads for recipient checks (may wait on DNS), the DATA batches, runner starts


class _Kicker:
    """Starts a detached runner after accepted mail, throttled to one start per KICK_GAP."""

    def __init__(self, config_path: Path, outbox: Path, pool: ThreadPoolExecutor) -> None:
        self.config_path = config_path
        self.outbox = outbox
        self.pool = pool
        self.last = 0.0
        self.scheduled = False

    def __call__(self, qid: str) -> None:
        if self.scheduled:
            return
        self.scheduled = True
        delay = max(0.0, self.last + KICK_GAP - time.monotonic())
        asyncio.get_running_loop().call_later(delay, self._fire)

    def finish(self) -> None:
        """On stop: the start a burst was waiting for happens now, not never."""
        if self.scheduled:
            self._fire()

    def _fire(self) -> None:
        if not self.scheduled:
            return  # already fired by finish()
        self.scheduled = False
        self.last = time.monotonic()
        self.pool.submit(self._start)

    def _start(self) -> None:
        from alloy_tui.core.outbox import wake_runner

        wake_runner(self.config_path, self.outbox)  # the mail is already safe in the outbox


def _bind_error(options: ListenerOptions, e: OSError) -> SmtpdError:
    from alloy_tui.core.errors import Explanation

    return SmtpdError(
        Explanation(
            title="The listener can't open its port",
            cause=f"Listening on {options.address} failed: {e.strerror or e}.",
            fix="Stop what already listens there (`ss -ltnp`), or choose another port "
            "(--listen or [smtpd] listen).",
            code="smtpd.listen",
        )
    )


def assemble(
    settings: Settings,
    config_path: Path,
    options: ListenerOptions,
    *,
    deliver: bool,
    outbox: Outbox | None = None,
    workers: int = WORKERS,
    make: type[Listener] = Listener,
) -> Listener:
    """A listener not yet started, with its handler, its pool and (`deliver`) the runner
    starts after accepted mail: the one assembly the network listener and `sendmail -bs`
    (`pipe.py`, its own `make` and fewer workers) share."""
    box = outbox or open_outbox(settings, config_path)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="smtpd")
    kick = _Kicker(Path(config_path), box.path, pool) if deliver else None
    handler = Handler(settings, options, box, pool, kick, config_path=Path(config_path))
    listener = make(handler, options, pool)
    if kick is not None:
        listener.on_stopped.append(kick.finish)
    return listener


async def open_listener(
    settings: Settings,
    config_path: Path,
    options: ListenerOptions,
    *,
    deliver: bool,
    outbox: Outbox | None = None,
) -> Listener:
    """A started listener on the running loop; SmtpdError if its port can't be opened."""
    from alloy_tui.core.smtpd import logsafe

    logsafe.install()
    listener = assemble(settings, config_path, options, deliver=deliver, outbox=outbox)
    pool = listener.pool
    try:
        await listener.start()
    except OSError as e:
        pool.shutdown(wait=False)
        raise _bind_error(options, e) from None
    return listener


def serve(
    settings: Settings,
    config_path: Path,
    listen: str = "",
    *,
    deliver: bool = True,
    on_ready: Callable[[Listener], None] | None = None,
) -> None:
    """The foreground listener: runs until SIGTERM or SIGINT, then stops cleanly (421)."""
    options = listener_options(settings, config_path, listen)

    async def main() -> None:
        listener = await open_listener(settings, config_path, options, deliver=deliver)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if on_ready is not None:
            on_ready(listener)
        await stop.wait()
        await listener.stop()
        listener.pool.shutdown(wait=True)

    asyncio.run(main())


class ListenerThread:
    """The listener on its own thread and loop, for a process that does other work."""

    def __init__(
        self,
        settings: Settings,
        config_path: Path,
        options: ListenerOptions,
        *,
        deliver: bool = False,
        outbox: Outbox | None = None,
    ) -> None:
        self._args = (settings, config_path, options)
        self._deliver = deliver
        self._outbox = outbox
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.listener: Listener | None = None
        self._thread = threading.Thread(target=self._run, name="smtpd", daemon=True)

    @property
    def port(self) -> int:
        assert self.listener is not None
        return self.listener.port

    def start(self) -> ListenerThread:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.listener = await open_listener(
                *self._args, deliver=self._deliver, outbox=self._outbox
            )
        except BaseException as e:  # handed to start()'s caller
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.listener.stop()
        self.listener.pool.shutdown(wait=True)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()


def start_listener(
    settings: Settings,
    config_path: Path,
    listen: str = "",
    *,
    deliver: bool = False,
    outbox: Outbox | None = None,
) -> ListenerThread:
    """The listener running on a thread (checked options; SmtpdError if it can't start)."""
    options = listener_options(settings, config_path, listen)
    return ListenerThread(settings, config_path, options, deliver=deliver, outbox=outbox).start()


@contextlib.contextmanager
def daemon_listener(settings: Settings, config_path: Path) -> Iterator[ListenerThread | None]:
    """For `queue run --daemon`: the listener in the same process while the block runs, when
    `[smtpd] listen` is set (else nothing). The daemon's own runner delivers what it accepts."""
    if not settings.smtpd.listen:
        yield None
        return
    running = start_listener(settings, config_path, deliver=False)
    try:
        yield running
    finally:
        running.stop()
