"""`mailq` and `sendmail -bp`: the queue in sendmail's and postfix's format
(`core/outbox/mailq.py`; ``--json``: one JSON object per message, as `queue list --json`),
called directly: no command line, no click. Root for another user's config becomes that user
first, as `queue list` does (core/become.py). Hand-offs the runner has not read yet are listed
too (``incoming/``). Errors are one line: 1 (the outbox, becoming its owner), 2 (the config)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from alloy_tui.commands.sendmail.errors import say

JSON = "--json"


def handed_off(outbox: Path) -> list[tuple[str, int]]:
    """(short queue id, bytes) of each hand-off not read yet (``incoming/``), oldest first."""
    from alloy_tui.core.errors import printable
    from alloy_tui.core.incoming import INCOMING
    from alloy_tui.core.outbox import short_id

    try:
        names = sorted(n for n in os.listdir(outbox / INCOMING) if not n.startswith("."))
    except OSError:
        return []
    out = []
    for name in names:
        try:
            size = os.lstat(outbox / INCOMING / name).st_size
        except OSError:
            continue
        out.append((printable(short_id(name)), size))
    return out


def list_queue(config: str | Path | None, extra: tuple[str, ...], prog: str = "mailq") -> int:
    """Print the queue; the exit code."""
    from alloy_tui.core.become import BecomeError, become_owner_of
    from alloy_tui.core.config import ConfigError, load_or_default, paths
    from alloy_tui.core.outbox import OutboxError, json_line, mailq_lines, open_outbox

    unknown = [a for a in extra if a != JSON]
    if unknown:
        say(f"{prog}: unknown option {unknown[0]}; usage: mailq [--json]")
        return os.EX_USAGE
    path = paths.config_path(config)
    try:
        become_owner_of(path)
    except BecomeError as e:
        say(f"{prog}: {e}; {path} is that user's config, and root does not act on its files")
        return 1
    try:
        settings = load_or_default(path).settings
    except ConfigError as e:
        say(f"{prog}: the config can't be used: {e.lines[0]}")
        return 2
    box = open_outbox(settings, path)
    try:
        problem = box.problem()
        if problem:
            say(f"{prog}: {problem}")
            return 1
        messages = box.list(None)
        hold = box.hold()
    except OutboxError as e:
        say(f"{prog}: {e.explanation.one_line()}")
        return 1
    except OSError as e:
        say(f"{prog}: the outbox {box.path} can't be read: {e.strerror or e}")
        return 1
    handed = handed_off(box.path)
    if JSON in extra:
        lines = [json_line(m) for m in messages] + [
            json.dumps({"id": qid, "state": "incoming", "size": size}) for qid, size in handed
        ]
    else:
        lines = mailq_lines(messages, hold=hold, incoming=handed)
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # a reader gone (`mailq | head -1`): no failure
        try:  # fd 1 to /dev/null, so the flush at exit cannot fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, AttributeError, ValueError):
            pass
    return 0
