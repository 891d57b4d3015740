"""One attempt at a queued message: its pending recipients, recorded recipient by recipient.

The message goes to every pending recipient at once. What comes back decides each one's state:

- SMTP takes the message for the recipients it accepted at RCPT: those are sent; a 5xx at RCPT
  fails that recipient, a 4xx leaves it pending (retried alone later). A refusal after DATA is
  the accepted recipients' (the failure below), the RCPT refusals stay as they were.
- Graph and EWS refuse the whole message for bad recipients (ErrorInvalidRecipients): the ones
  the refusal names fail and the message goes again to the others; when it names none and there
  are several, it goes to each alone, so only the refused ones fail.
- Any other failure (an outage, a message the service can't take) is returned as `error` for
  the recipients still untried; the runner decides what it means for them.

The metadata is saved (`Outbox.write_meta`, durable) after every send that changed a recipient, before the
next send (after the last one, the runner's outcome writes or removes it): a recipient that was
sent is never sent again, unless the runner is killed between a send and its record (at least
once; duplicates <= kills).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alloy_tui.core.errors import Explanation
from alloy_tui.core.outbox import policy
from alloy_tui.core.outbox.model import explanation_dict
from alloy_tui.core.outbox.recipients import pending

if TYPE_CHECKING:
    from alloy_tui.core.outbox.changes import RecordChanges
    from alloy_tui.core.outbox.record import QueueRecord

SendFn = Callable[[list[str]], Any]  # recipients -> SendResult; raises on failure
ExplainFn = Callable[[Exception], Explanation]


@dataclass
class Attempt:
    result: Any = None  # the last SendResult (api, account, request id for mail.sent)
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, Explanation] = field(default_factory=dict)  # failed for good now
    deferred: dict[str, Explanation] = field(default_factory=dict)  # refused for now (4xx)
    error: Explanation | None = None  # a failure that applies to every recipient in `untried`
    untried: list[str] = field(default_factory=list)
    interrupted: bool = False  # stopped (or paced out) between two sends


def refuses_recipients(ex: Explanation) -> bool:
    """The service refused the message because of (some of) its recipients."""
    return policy.verdict_of(ex) == "recipients"


def for_good(ex: Explanation) -> bool:
    """This failure will not go away by waiting (the message or its recipients)."""
    return policy.is_permanent(ex)


def _named(group: list[str], value: object) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    wanted = {str(a).lower() for a in value}
    return [a for a in group if a.lower() in wanted]


def _one(ex: Explanation, address: str) -> Explanation:
    """`ex` for one recipient: its own explanation when the failure carries one (an SMTP
    recipient refused at RCPT while the DATA reply was the others'), else `ex` naming it."""
    own = ex.details.get("recipient_errors")
    mine = own.get(address) if isinstance(own, dict) else None
    details = {k: v for k, v in ex.details.items() if k not in _LISTS}
    if isinstance(mine, dict):
        return Explanation(
            title=str(mine.get("title", "")),
            cause=str(mine.get("cause", "")),
            fix=str(mine.get("fix", "")),
            code=str(mine.get("code", "")),
            verdict=str(mine.get("verdict", "")),
            details={**details, "refused_recipients": [address]},
        )
    return ex.replace(details={**details, "refused_recipients": [address]})


_LISTS = ("refused_recipients", "deferred_recipients", "recipient_errors")


class _Run:
    def __init__(self, meta: QueueRecord, box: RecordChanges) -> None:
        self.meta = meta
        self.box = box
        self.out = Attempt()
        self.dirty = False  # recipients changed since the metadata was last saved

    def saved(self) -> None:
        """Before the next send: what the last one did is on disk."""
        if self.dirty:
            self.box.write_meta(self.meta)
            self.dirty = False

    def fail(self, address: str, ex: Explanation) -> None:
        if self.box.mark_failed(self.meta, [address], explanation_dict(ex)):
            self.out.refused[address] = ex

    def defer(self, address: str, ex: Explanation) -> None:
        self.box.note_deferred(self.meta, [address], explanation_dict(ex))
        self.out.deferred[address] = ex

    def accepted(self, group: list[str], result: Any) -> None:
        refused: dict[str, Explanation] = dict(getattr(result, "refused", None) or {})
        lower = {a.lower() for a in refused}
        for address, ex in refused.items():
            if not for_good(ex):
                self.defer(address, ex)
            else:
                self.fail(address, ex)
        went = [a for a in group if a.lower() not in lower]
        self.out.delivered += self.box.mark_sent(self.meta, went)
        self.out.result = result
        self.dirty = True

    def refused(self, group: list[str], ex: Explanation) -> tuple[list[str], bool]:
        """Record the recipients `ex` names; (the rest of the group, whether any was named)."""
        gone = _named(group, ex.details.get("refused_recipients"))
        later = [a for a in _named(group, ex.details.get("deferred_recipients")) if a not in gone]
        for a in gone:
            self.fail(a, _one(ex, a))
        for a in later:
            self.defer(a, _one(ex, a).replace(verdict="retry"))
        if gone or later:
            self.dirty = True
        named = {a.lower() for a in gone + later}
        return [a for a in group if a.lower() not in named], bool(named)


def attempt(
    meta: QueueRecord,
    send: SendFn,
    explain: ExplainFn,
    box: RecordChanges,
    next_turn: Callable[[], bool] = lambda: True,
) -> Attempt:
    """Send to the pending recipients of `meta` (see the module docstring); `next_turn` is
    asked before every send after the first (pacing; False: stop here, the rest stay pending)."""
    run = _Run(meta, box)
    groups = [pending(meta)]
    if not groups[0]:  # all settled already (a runner killed before it said so)
        return run.out
    first = True
    budget = 2 * len(groups[0]) + 1  # sends one attempt may make: each send settles someone
    while groups:
        group = groups.pop(0)
        budget -= 1
        if budget < 0:  # never hammer the service in a loop, whatever it answers
            run.out.interrupted = True
            return run.out
        if not first:
            run.saved()
            if not next_turn():
                run.out.interrupted = True
                return run.out
        first = False
        try:
            result = send(group)
        except Exception as e:  # every failure is explained, then sorted
            ex = explain(e)
            rest, named = run.refused(group, ex)
            if not rest:
                continue
            if not refuses_recipients(ex):
                run.out.error = ex
                run.out.untried = rest + [a for g in groups for a in g]
                return run.out
            if named:
                groups.insert(0, rest)  # the others, without the refused ones
            elif len(rest) > 1:
                groups[0:0] = [[a] for a in rest]  # which ones? each alone
            else:
                run.fail(rest[0], _one(ex, rest[0]))
                run.dirty = True
        else:
            run.accepted(group, result)
    return run.out
