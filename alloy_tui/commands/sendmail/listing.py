"""`mailq` and `sendmail -bp`: the queue as `alloy-tui queue list` prints it, called directly
(no second pass through the command line). Root for another user's config becomes that user
first, as `queue list` does (core/become.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alloy_tui.commands.context import CliContext

JSON = "--json"


def _context(config: str | Path | None) -> CliContext:
    from alloy_tui.commands.context import CliContext, as_config_owner
    from alloy_tui.core.config import paths

    obj = CliContext(config_path=paths.config_path(config), explicit_config=config is not None)
    as_config_owner(obj)
    return obj


def list_queue(config: str | Path | None, extra: tuple[str, ...]) -> int:
    """Print the queue (``--json``: one JSON object per line); 0, or the one-line error exit of
    every queue command (an outbox that can't be read: 1)."""
    from alloy_tui.exits import run_guarded

    unknown = [a for a in extra if a != JSON and a.startswith("-")]
    if unknown:
        from alloy_tui.commands.sendmail.errors import say

        say(f"mailq: unknown option {unknown[0]}; usage: mailq [--json]")
        return 64

    def show() -> None:
        import click

        from alloy_tui.commands.outbox_guard import guarded
        from alloy_tui.commands.queue_cmd import open_box
        from alloy_tui.commands.queue_view import json_line, list_lines

        obj = _context(config)
        box = open_box(obj)
        with guarded(obj):
            messages = box.list(None)
        handed = [h for h in handed_off(box.path) if h[0] not in {m.id for m in messages}]
        if JSON in extra:
            lines = [json_line(m) for m in messages] + [
                json.dumps({"id": qid, "state": "incoming", "size": size}) for qid, size in handed
            ]
        else:
            lines = list_lines(messages, hold=box.hold()) if messages or not handed else []
            for qid, size in handed:
                lines.append(f"{qid:<24} incoming  {size} bytes")
                lines.append("  handed off by sendmail; the runner parses and queues it next")
        for line in lines:
            click.echo(line)

    run_guarded(show)
    return 0


def handed_off(outbox: Path) -> list[tuple[str, int]]:
    """(queue id, bytes) of each hand-off not parsed yet (``incoming/``), oldest first."""
    from alloy_tui.core.errors import printable
    from alloy_tui.core.incoming import INCOMING

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
        out.append((printable(name), size))
    return out


def flush_queue(config: Path) -> int:
    """`sendmail -q`: `alloy-tui queue flush` (its output, its exit code), called directly."""
    from alloy_tui.exits import run_guarded

    code = 0

    def flush() -> None:
        nonlocal code
        from alloy_tui.commands.queue_cmd import queue_group

        obj = _context(config)
        try:
            queue_group.main(["flush"], prog_name="sendmail -q", obj=obj, standalone_mode=True)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)

    run_guarded(flush)
    return code
