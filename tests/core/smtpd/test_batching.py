"""The listener's group commit: what arrives while a batch is being written goes to disk in the
next one, every client still gets its own reply only after its own message is durable, a
refused message in a batch costs the others nothing, and a recipient checked a moment ago is
answered without another trip to the thread pool."""

from __future__ import annotations

import asyncio
import dataclasses
import smtplib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope

from alloy_tui.core.config import load_or_default
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.smtpd import listener_options
from alloy_tui.core.smtpd.committer import Committer
from alloy_tui.core.smtpd.handler import Handler
from tests.helpers.smtpd_listener import MESSAGE, Raw, listening, write_config


async def test_what_arrives_during_a_batch_goes_in_the_next_one_in_order() -> None:
    batches: list[list[int]] = []
    first_started, release = threading.Event(), threading.Event()

    def work(jobs: list[int]) -> list[str]:
        batches.append(jobs)
        if len(batches) == 1:
            first_started.set()
            release.wait(10)
        return [f"reply {j}" for j in jobs]

    with ThreadPoolExecutor(4) as pool:
        committer: Committer[int, str] = Committer(pool, work, "fallback", drainers=1)
        first = asyncio.ensure_future(committer.hand_off(0))
        await asyncio.get_running_loop().run_in_executor(None, first_started.wait, 10)
        rest = [asyncio.ensure_future(committer.hand_off(n)) for n in range(1, 6)]
        await asyncio.sleep(0.05)
        assert not any(r.done() for r in rest)  # nothing answered before its batch is done
        release.set()
        assert await first == "reply 0"
        assert await asyncio.gather(*rest) == [f"reply {n}" for n in range(1, 6)]
    assert batches == [[0], [1, 2, 3, 4, 5]]


async def test_a_batch_that_fails_as_a_whole_answers_everyone_the_fallback() -> None:
    def work(jobs: list[int]) -> list[str]:
        raise RuntimeError("boom")

    with ThreadPoolExecutor(2) as pool:
        committer: Committer[int, str] = Committer(pool, work, "451 try later")
        assert (
            await asyncio.gather(*(committer.hand_off(n) for n in range(3)))
            == ["451 try later"] * 3
        )


async def test_a_big_queue_is_taken_at_most_batch_at_a_time() -> None:
    sizes: list[int] = []
    gate = threading.Event()

    def work(jobs: list[int]) -> list[int]:
        gate.wait(10)
        sizes.append(len(jobs))
        return jobs

    with ThreadPoolExecutor(2) as pool:
        committer: Committer[int, int] = Committer(pool, work, -1, drainers=1, batch=4)
        waits = [asyncio.ensure_future(committer.hand_off(n)) for n in range(10)]
        await asyncio.sleep(0.05)
        gate.set()
        assert await asyncio.gather(*waits) == list(range(10))
    assert max(sizes) <= 4 and sum(sizes) == 10


def handler_for(tmp_path: Path, pool: Any) -> tuple[Handler, Outbox]:
    config = write_config(tmp_path)
    settings = load_or_default(config).settings
    box = Outbox(tmp_path / "queue")
    options = listener_options(settings, config, "127.0.0.1:0")
    return Handler(settings, options, box, pool), box


def test_a_refused_message_in_a_batch_costs_the_others_nothing(tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        handler, box = handler_for(tmp_path, pool)
        replies = handler.queue_many(
            [
                (MESSAGE, ("ops@contoso.com",), "grafana@contoso.com", {}, ((), "")),
                (b"\r\nno headers", ("ops@contoso.com",), "grafana@contoso.com", {}, ((), "")),
                (MESSAGE, ("ops@contoso.com",), "grafana@contoso.com", {}, ((), "")),
            ]
        )
    codes = [r.split(" ", 1)[0] for r, _ in replies]
    assert codes == ["250", "554", "250"]
    assert sorted(qid for _, qid in replies if qid) == box.ids()


class CountingPool(ThreadPoolExecutor):
    """A real thread pool that counts what it was given."""

    def __init__(self) -> None:
        super().__init__(2)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


async def test_a_recipient_checked_a_moment_ago_is_answered_without_the_pool(
    tmp_path: Path,
) -> None:
    pool = CountingPool()
    try:
        handler, _ = handler_for(tmp_path, pool)
        handler.options = dataclasses.replace(handler.options, allowed_domains=("contoso.com",))
        replies = []
        for address in ["ops@contoso.com", "ops@contoso.com", "x@elsewhere.example"] * 2:
            envelope = Envelope()
            replies.append(await handler.handle_RCPT(None, None, envelope, address, []))
        assert [r.split(" ", 1)[0] for r in replies] == ["250", "250", "550"] * 2
        assert pool.submitted == 2  # one check per address; the repeats came from memory
    finally:
        pool.shutdown()


def test_many_clients_at_once_each_get_their_own_durable_250(tmp_path: Path) -> None:
    results: dict[str, str] = {}
    lock = threading.Lock()

    def client(n: int, port: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as c:
            c.ehlo()
            for i in range(3):
                token = f"c{n}-{i}"
                c.mail("grafana@contoso.com")
                c.rcpt("ops@contoso.com")
                body = MESSAGE.replace(b"CPU high", token.encode())
                code, text = c.data(body)
                assert code == 250, text
                with lock:
                    results[token] = text.decode().rsplit(" ", 1)[-1]

    with listening(tmp_path, "max_connections_per_client = 1000") as (running, box):
        threads = [threading.Thread(target=client, args=(n, running.port)) for n in range(25)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 75 and len(set(results.values())) == 75
        for token, qid in results.items():
            meta = box.read_meta(qid)
            assert meta is not None and meta["subject"] == token
            assert token.encode() in box.read_raw(qid)
        assert sorted(results.values()) == box.ids()


def test_a_client_that_hangs_up_while_its_message_is_written_harms_no_one(tmp_path: Path) -> None:
    with listening(tmp_path, "max_connections_per_client = 1000") as (running, box):
        raw = Raw(running.port)
        assert raw.reply().startswith("220")
        raw.command(b"EHLO a.test")
        raw.command(b"MAIL FROM:<grafana@contoso.com>")
        raw.command(b"RCPT TO:<ops@contoso.com>")
        assert raw.command(b"DATA").startswith("354")
        raw.send(MESSAGE + b".\r\n")
        raw.close()  # gone before its 250
        with smtplib.SMTP("127.0.0.1", running.port) as c:
            assert c.sendmail("grafana@contoso.com", ["ops@contoso.com"], MESSAGE) == {}
    # The one that hung up may or may not have been queued (it was not told); the other was.
    assert 1 <= len(box.ids()) <= 2
