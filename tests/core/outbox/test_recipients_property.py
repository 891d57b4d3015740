"""Per-recipient outcomes as a state machine (hypothesis): whatever each recipient's fate
(accepted, refused for good, refused for a while) and whatever the service says in between
(outages, retry), in SMTP's way (per RCPT) or Graph's (one refusal for the message, naming the
refused address or not), no recipient is ever lost, none is sent twice, a refused one is never
sent, and in the end every good recipient has the message once and every refused one failed.
The service is a scripted delivery in the runner's place; the runner's own code (deliver.py,
outcomes.py, the outbox on disk) decides everything else."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.core.config.settings import Settings
from alloy_tui.core.errors import ExplainedError, Explanation
from alloy_tui.core.outbox import Outbox
from alloy_tui.core.outbox.runner import Runner
from tests.helpers.clock import FakeClock

FATES = ("good", "good", "bad", "flaky")
STYLES = ("smtp", "named", "unnamed")


class Result:
    def __init__(self, to: list[str], refused: dict[str, Explanation]) -> None:
        self.to, self.refused = tuple(to), refused
        self.extra: dict[str, str] = {}
        self.api, self.account, self.request_id, self.duration_ms = "scripted", "a@x", "", 0


def failure(verdict: str, **details: Any) -> ExplainedError:
    return ExplainedError(
        Explanation(
            f"{verdict} failure", "c", "f", code=f"x.{verdict}", details=details, verdict=verdict
        )
    )


class Scripted:
    def __init__(self, fates: dict[str, str], styles: dict[str, str], script: Sequence[str]):
        self.fates = fates
        self.styles = styles
        self.flaky_left = {a: 2 for a, f in fates.items() if f == "flaky"}
        self.script = list(script)
        self.delivered: Counter[str] = Counter()

    def _deliver(self, to: list[str]) -> None:
        for a in to:
            assert self.fates[a] != "bad", f"{a} was refused, yet sent"
            self.delivered[a] += 1
            assert self.delivered[a] == 1, f"{a} sent twice"

    def send_raw(self, raw: bytes, to: Sequence[str], *, sender: str = "") -> Any:
        to = list(to)
        assert to, "a send with no recipient"
        outcome = self.script.pop(0) if self.script else "ok"
        if outcome != "ok":
            raise failure(outcome)
        style = self.styles[to[0].split("@")[1]]
        bad = [a for a in to if self.fates[a] == "bad"]
        if style == "smtp":
            later = [a for a in to if self.flaky_left.get(a, 0) > 0]
            for a in later:
                self.flaky_left[a] -= 1
            accepted = [a for a in to if a not in bad and a not in later]
            if not accepted:
                raise failure(
                    "recipients" if bad else "retry",
                    refused_recipients=bad,
                    deferred_recipients=later,
                )
            self._deliver(accepted)
            refused = {a: Explanation("no", "c", "f", verdict="recipients") for a in bad}
            refused |= {a: Explanation("later", "c", "f", verdict="retry") for a in later}
            return Result(accepted, refused)
        if bad:
            named = {"refused_recipients": [bad[0]]} if style == "named" else {}
            raise failure("recipients", **named)
        self._deliver(to)
        return Result(to, {})

    def close(self) -> None:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(
        st.tuples(
            st.sampled_from(STYLES), st.lists(st.sampled_from(FATES), min_size=1, max_size=4)
        ),
        min_size=1,
        max_size=3,
    ),
    script=st.lists(st.sampled_from(["ok", "ok", "service", "retry"]), max_size=25),
)
def test_no_recipient_lost_none_sent_twice_refused_ones_never_sent(
    messages: list[tuple[str, list[str]]], script: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as d:
        clock = FakeClock()
        box = Outbox(Path(d) / "queue", clock=clock.now)
        fates: dict[str, str] = {}
        styles: dict[str, str] = {}
        everyone: dict[str, list[str]] = {}
        for i, (style, kinds) in enumerate(messages):
            domain = f"m{i}.example"
            styles[domain] = style
            to = [f"r{j}@{domain}" for j in range(len(kinds))]
            fates |= dict(zip(to, kinds, strict=True))
            raw = f"From: a@x.example\nTo: {', '.join(to)}\nSubject: m{i}\n\nbody\n".encode()
            qid = box.submit(raw, recipients=to, sender="", source="t")
            everyone[qid] = to
            clock.t += 1
        cfg = Settings().with_section(
            "queue", path=str(box.path), max_per_minute=0, failure_notices=False
        )
        delivery = Scripted(fates, styles, script)
        for _round in range(80):
            runner = Runner(cfg, Path(d) / "c.toml", box, clock)
            runner._delivery = delivery
            runner.drain()
            for qid, to in everyone.items():
                meta = box.read_meta(qid)
                if meta is None:  # removed: only when every recipient has it
                    assert all(delivery.delivered[a] == 1 for a in to)
                    continue
                recs = {r["address"]: r["state"] for r in meta.get("recipients") or []}
                if not recs:  # never attempted yet
                    continue
                assert sorted(recs) == sorted(to)  # no recipient lost (or added)
                for a, state in recs.items():
                    assert state in ("pending", "sent", "failed")
                    assert (state == "sent") == (delivery.delivered[a] == 1), (a, state)
                    if state == "failed":
                        assert fates[a] == "bad", f"{a} failed but was never refused"
            if all((m := box.read_meta(q)) is None or m["state"] == "failed" for q in everyone):
                break
            wake = runner.next_wake()
            clock.t = max(clock.t, wake if wake is not None else clock.t) + 0.5
        # the end: each good recipient got it once, each refused one failed, nothing pending
        for qid, to in everyone.items():
            meta = box.read_meta(qid)
            bad = [a for a in to if fates[a] == "bad"]
            for a in to:
                assert delivery.delivered[a] == (0 if a in bad else 1), (a, fates[a])
            if bad:
                assert meta is not None and meta["state"] == "failed"
            else:
                assert meta is None
