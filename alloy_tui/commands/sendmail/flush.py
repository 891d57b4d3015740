"""`sendmail -q`: `alloy-tui queue flush` itself (its output, its exit code), called as a
command rather than through `cli.main`. It loads click and the queue commands: -q is an admin's
or a program's explicit request, never cron's hand-off path (which never imports this)."""

from __future__ import annotations

from pathlib import Path


def flush_queue(config: Path) -> int:
    from alloy_tui.commands.context import CliContext, as_config_owner
    from alloy_tui.commands.queue_cmd import queue_group
    from alloy_tui.exits import run_guarded

    code = 0

    def flush() -> None:
        nonlocal code
        obj = CliContext(config_path=config, explicit_config=True)
        as_config_owner(obj)
        try:
            queue_group.main(["flush"], prog_name="sendmail -q", obj=obj, standalone_mode=True)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)

    run_guarded(flush)
    return code
