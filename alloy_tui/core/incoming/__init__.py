"""The hand-off: sendmail puts the message as it read it into ``<outbox>/incoming/`` and exits;
the runner parses it, applies sendmail's rules and queues it (postfix's maildrop and cleanup).

    root = open_checked_outbox(outbox)                       # sendmail: no pathlib, no email
    name = write_incoming(root, outbox, header_line({...}), raw, commit)
    start_runner(root, config_path)
    # the runner's side: core/outbox/intake.py (IncomingIntake, run_queue's hook)

The writing side imports only ``os``, ``errno`` and ``time``. Outside this package, import from
here.
"""

from __future__ import annotations

from alloy_tui.core import lazy_names

TYPE_CHECKING = False
if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.incoming.header import Handed, HeaderError
    from alloy_tui.core.incoming.header import parse as parse_handoff
    from alloy_tui.core.incoming.writer import (
        INCOMING,
        MAX_HEADER_BYTES,
        IncomingError,
        SlowPath,
        header_line,
        open_checked_outbox,
        runner_running,
        start_runner,
        to_json,
        write_incoming,
    )

# Loaded on first use (PEP 562): sendmail needs the writer alone.
__getattr__ = lazy_names(
    globals(),
    {
        "writer": (
            "INCOMING MAX_HEADER_BYTES IncomingError SlowPath header_line open_checked_outbox runner_running "
            "start_runner to_json write_incoming"
        ),
        "header": "Handed HeaderError parse_handoff=parse",
    },
)

__all__ = [
    "INCOMING",
    "MAX_HEADER_BYTES",
    "Handed",
    "HeaderError",
    "IncomingError",
    "SlowPath",
    "header_line",
    "open_checked_outbox",
    "parse_handoff",
    "runner_running",
    "start_runner",
    "to_json",
    "write_incoming",
]
