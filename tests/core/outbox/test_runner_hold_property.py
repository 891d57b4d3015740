"""The runner's hold logic as a state machine (hypothesis): whatever sequence of verdicts the
service gives, a `message`, `recipients` or `retry` verdict never holds the queue (the next due
message is tried in the same pass), a `service` or `settings` verdict always does (named, on
disk), no message is lost, and none is sent twice. The service here is a scripted delivery put
in the runner's place (the runner's own code decides everything else, on a real outbox)."""

from __future__ import annotations

import email
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import VERDICTS, ExplainedError, Explanation
from alloy_tui.core.outbox import Outbox, read_hold
from alloy_tui.core.outbox.runner import Runner
from tests.helpers.clock import FakeClock

OUTCOMES = ("ok", *VERDICTS)


class Scripted:
    """Answers each send with the next outcome of the script (then "ok" for ever)."""

    def __init__(self, script: Sequence[str], box: Outbox, retry_after: Sequence[int]) -> None:
        self.script = list(script)
        self.retry_after = list(retry_after)
        self.box = box
        self.sent: list[str] = []
        self.tried: list[tuple[str, str]] = []

    def send_raw(self, raw: bytes, to: Sequence[str], *, sender: str = "") -> Any:
        name = str(email.message_from_bytes(raw)["Subject"])
        assert name not in self.sent, f"{name} sent twice"
        outcome = self.script.pop(0) if self.script else "ok"
        self.tried.append((name, outcome))
        if outcome == "ok":
            self.sent.append(name)
            return _Result()
        details: dict[str, Any] = {}
        if self.retry_after:
            wait = self.retry_after.pop(0)
            if wait:
                details["retry_after"] = wait
        if outcome == "recipients":
            details["refused_recipients"] = list(to)
        raise ExplainedError(
            Explanation(
                f"{outcome} failure",
                "c",
                "f",
                code=f"x.{outcome}",
                details=details,
                verdict=outcome,
            )  # fmt: skip
        )

    def close(self) -> None:
        pass


class _Result:
    extra: dict[str, str] = {}  # noqa: RUF012
    api, account, request_id, duration_ms = "scripted", "a@x.example", "", 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=6),
    script=st.lists(st.sampled_from(OUTCOMES), max_size=40),
    retry_after=st.lists(st.sampled_from([0, 0, 3, 90]), max_size=40),
    flush=st.booleans(),
)
def test_verdicts_never_hold_on_a_message_never_lose_or_repeat_one(
    n: int, script: list[str], retry_after: list[int], flush: bool
) -> None:
    with tempfile.TemporaryDirectory() as d:
        clock = FakeClock()
        box = Outbox(Path(d) / "queue", clock=clock.now)
        names = [f"m{i}" for i in range(n)]
        for name in names:
            raw = f"From: a@x.example\nTo: b@x.example\nSubject: {name}\n\nbody\n".encode()
            box.submit(raw, recipients=["b@x.example"], sender="", source="t")
            clock.t += 1
        cfg = Settings().with_section("queue", path=str(box.path), max_per_minute=0)
        delivery = Scripted(script, box, retry_after)
        for _round in range(60):
            runner = Runner(cfg, Path(d) / "c.toml", box, clock, flush=flush and _round == 0)
            runner._delivery = delivery
            before = len(delivery.tried)
            runner.drain()
            new = delivery.tried[before:]
            hold = read_hold(box.path)
            now = clock.now()
            if new:
                last = new[-1][1]
                if last in ("service", "settings"):
                    assert hold is not None and hold["verdict"] == last and hold["reason"]
                else:
                    # ok, message, recipients, retry: the queue is not held, and nothing due
                    # was left untried by this pass
                    assert hold is None
                    due = [
                        m for m in box.metas()
                        if m["state"] != "failed" and float(m["next_attempt_at"]) <= now
                    ]  # fmt: skip
                    assert due == []
                for (name, verdict), (after, _v) in zip(new, new[1:], strict=False):
                    # after a holding verdict no other message is tried in that pass (a flush
                    # may wait out a short Retry-After and try the same one again)
                    if verdict in ("service", "settings"):
                        assert after == name and flush and _round == 0, (name, verdict, after)
            left = [m for m in box.metas() if m["state"] != "failed"]
            if not left:
                break
            wake = runner.next_wake()
            clock.t = max(clock.t, wake if wake is not None else clock.t) + 0.5
        # Nothing lost, nothing twice: each message sent once, or still in the outbox.
        kept = {str(m["subject"]): m["state"] for m in box.metas()}
        assert sorted(delivery.sent + list(kept)) == sorted(names)
        assert len(set(delivery.sent)) == len(delivery.sent)
        # A message/recipients verdict failed that message at once, and only that message.
        for name, verdict in delivery.tried:
            if verdict in ("message", "recipients"):
                assert kept.get(name) == "failed"
        assert all(state in ("pending", "failed") for state in kept.values())
