"""The `alloy-tui` entry point.

A bare `alloy-tui` (or `alloy-tui --config PATH`) opens the wizard straight away, without
loading the command line's machinery (click and every subcommand module): that is about a
sixth of the time to the first wizard screen. Anything else goes to the click command line
in `alloy_tui.cli`, which handles the same bare forms identically.

Run under another name (a symlink), it is that program: `sendmail` (also `/usr/lib/sendmail`)
takes the message on stdin like `alloy-sendmail`; `mailq` lists the queue; `newaliases` is
sendmail -bi (a no-op that says why).
"""

from __future__ import annotations

import os
import sys


def wizard_config(argv: list[str]) -> tuple[bool, str | None]:
    """(True, config) when argv only asks for the wizard; (False, None) for anything else."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--config" and not argv[1].startswith("-"):
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--config="):
        return True, argv[0].split("=", 1)[1]
    return False, None


def check_config(argv: list[str]) -> tuple[bool, str | None]:
    """(True, config) for `[--config P] status --check`: the monitoring plugin, run without
    click (it runs every minute on every server); (False, None) for anything else."""
    if argv[-2:] != ["status", "--check"]:
        return False, None
    is_bare, config = wizard_config(argv[:-2])
    return is_bare, config


def by_name(argv0: str) -> str | None:
    """ "sendmail", "mailq" or "newaliases" when the program was started under that name,
    else None."""
    name = os.path.basename(argv0)
    return name if name in ("sendmail", "mailq", "newaliases") else None


def main() -> None:
    role = by_name(sys.argv[0])
    if role is not None:
        from alloy_tui.commands.sendmail.handoff import main as sendmail_main

        sendmail_main()
        return
    is_check, config = check_config(sys.argv[1:])
    if is_check:
        from alloy_tui.cli_support.health_check import check_main

        sys.exit(check_main(config))
    is_wizard, config = wizard_config(sys.argv[1:])
    if not is_wizard:
        from alloy_tui.cli import main as cli_main

        cli_main()
        return

    from alloy_tui.commands.context import CliContext
    from alloy_tui.core.config import paths
    from alloy_tui.exits import run_guarded

    def open_wizard() -> None:
        from alloy_tui.terminal import WIZARD_INSTEAD, require_fullscreen

        require_fullscreen("The setup wizard", WIZARD_INSTEAD)
        from alloy_tui.commands.context import as_config_owner
        from alloy_tui.ui.app import run_wizard

        obj = CliContext(config_path=paths.config_path(config), explicit_config=config is not None)
        as_config_owner(obj)  # root for the service user's config: the wizard runs as that user
        run_wizard(obj.config_path, obj.sandbox)

    run_guarded(open_wizard)
