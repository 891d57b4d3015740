"""The outbox: the one place a message waits between a door (sendmail, `send --queue`) and the
runner that delivers it. Outside this package, import from here.

    box = open_outbox(settings, config_path)      # alert-log entries wired in
    qid = box.submit(raw, recipients=[...], sender="ops@contoso.com", source="sendmail")
    box.list("pending"); box.get(qid); box.retry(qid); box.delete(qid); box.force(qid)

    run_queue(settings, config_path)              # drain now (daemon=True: keep draining)
    wake_runner(config_path, box.path)            # after submit: a background runner if none runs
    list_lines(box.list(), hold=box.hold()); show_lines(m, raw); json_line(m)   # `queue list/show`

`Outbox(path)` alone works too (no alert-log entries). Nothing here imports msal, httpx,
exchangelib or Textual: the doors stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alloy_tui.core import lazy_names
from alloy_tui.core.outbox.configured import open_outbox, outbox_path
from alloy_tui.core.outbox.model import (
    EX_CANTCREAT,
    EX_TEMPFAIL,
    STATES,
    OutboxError,
)
from alloy_tui.core.outbox.spool import Outbox, Submission

if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.outbox.detached import runner_active, start_runner_detached, wake_runner
    from alloy_tui.core.outbox.hold import (
        clock_time,
        held_now,
        hold_sentence,
        read_hold,
        reason_text,
        reason_words,
    )
    from alloy_tui.core.outbox.listing import (
        as_json,
        json_line,
        list_lines,
        queue_summary,
        show_lines,
        standing,
    )
    from alloy_tui.core.outbox.mailq import mailq_lines
    from alloy_tui.core.outbox.pacing import Clock, SystemClock
    from alloy_tui.core.outbox.queue_ids import QueueIdError, match_id, short_id, short_ids
    from alloy_tui.core.outbox.queued import QueuedMessage
    from alloy_tui.core.outbox.record import QueueRecord, RecipientRecord
    from alloy_tui.core.outbox.runner import Intake, IntakeFactory, RunSummary, run_queue
    from alloy_tui.core.outbox.sendmail_rules import (
        Handoff,
        RulesRefused,
        apply_rules,
        queue_refused,
        tell_refused,
    )
    from alloy_tui.core.outbox.summary import QueueSummary

# Loaded on first use (PEP 562): the doors (sendmail) import only the spool.
__getattr__ = lazy_names(
    globals(),
    {
        "detached": "runner_active start_runner_detached wake_runner",
        "hold": "clock_time held_now hold_sentence read_hold reason_text reason_words",
        "listing": "as_json json_line list_lines queue_summary show_lines standing",
        "mailq": "mailq_lines",
        "pacing": "Clock SystemClock",
        "queue_ids": "QueueIdError match_id short_id short_ids",
        "queued": "QueuedMessage",
        "record": "QueueRecord RecipientRecord",
        "summary": "QueueSummary",
        "runner": "Intake IntakeFactory RunSummary run_queue",
        "sendmail_rules": "Handoff RulesRefused apply_rules queue_refused tell_refused",
    },
)


__all__ = [
    "Handoff",
    "RulesRefused",
    "apply_rules",
    "queue_refused",
    "tell_refused",
    "EX_CANTCREAT",
    "EX_TEMPFAIL",
    "Intake",
    "IntakeFactory",
    "STATES",
    "Clock",
    "Outbox",
    "OutboxError",
    "QueueIdError",
    "QueueRecord",
    "QueueSummary",
    "QueuedMessage",
    "RecipientRecord",
    "RunSummary",
    "Submission",
    "SystemClock",
    "as_json",
    "clock_time",
    "held_now",
    "hold_sentence",
    "json_line",
    "list_lines",
    "mailq_lines",
    "match_id",
    "open_outbox",
    "outbox_path",
    "queue_summary",
    "read_hold",
    "reason_text",
    "reason_words",
    "run_queue",
    "runner_active",
    "short_id",
    "short_ids",
    "show_lines",
    "standing",
    "start_runner_detached",
    "wake_runner",
]
