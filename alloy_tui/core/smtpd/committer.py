"""DATA to the outbox in batches (group commit), off the event loop.

A session's DATA joins a queue and waits for its reply. A few drainers on the listener's thread
pool each take what is queued (up to BATCH messages) and hand it to one call (the handler's
`queue_many`: prepare, then `Outbox.submit_many`), so the messages that arrived while one batch
was being fsynced go to disk together in the next: a burst of 100 clients costs a few folder
fsyncs instead of 400, one alert-log lock per message instead of a convoy, and the loop one
wake-up per batch. Every reply still comes only after its message is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

log = logging.getLogger("alloy_tui.smtpd")
BATCH = 64  # messages per batch at most (two open files each until it is fsynced)
DRAINERS = 2  # batches in progress at once: one is prepared while another waits on fsync

Job = TypeVar("Job")
Reply = TypeVar("Reply")


class Committer(Generic[Job, Reply]):
    """`await committer.hand_off(job)` -> its reply; `work(jobs)` returns one reply per job."""

    def __init__(
        self,
        pool: Executor,
        work: Callable[[list[Job]], list[Reply]],
        fallback: Reply,
        *,
        drainers: int = DRAINERS,
        batch: int = BATCH,
    ) -> None:
        self.pool = pool
        self.work = work
        self.fallback = fallback  # every job's reply when `work` itself fails
        self.drainers = drainers
        self.batch = batch
        self._lock = threading.Lock()
        self._queue: list[tuple[Job, asyncio.Future[Reply]]] = []
        self._active = 0

    async def hand_off(self, job: Job) -> Reply:
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[Reply] = loop.create_future()
        with self._lock:
            self._queue.append((job, reply))
            start = self._active < self.drainers
            if start:
                self._active += 1
        if start:
            try:
                self.pool.submit(self._drain, loop)
            except RuntimeError:  # the pool is shut down: nothing will take the job
                with self._lock:
                    self._active -= 1
                raise
        return await reply

    def _take(self) -> list[tuple[Job, asyncio.Future[Reply]]]:
        with self._lock:
            taken = self._queue[: self.batch]
            del self._queue[: self.batch]
            if not taken:
                self._active -= 1
            return taken

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        while taken := self._take():
            try:
                replies = self.work([job for job, _ in taken])
            except Exception:  # never a traceback to a client; each one keeps its message
                log.exception("smtpd: queueing a batch of messages failed")
                replies = [self.fallback] * len(taken)
            futures = [future for _, future in taken]
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
                loop.call_soon_threadsafe(_settle, futures, replies)


def _settle(futures: list[asyncio.Future[Reply]], replies: list[Reply]) -> None:
    for future, reply in zip(futures, replies, strict=True):
        if not future.done():  # a session that hung up cancelled its wait
            future.set_result(reply)
