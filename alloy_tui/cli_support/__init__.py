"""What the command line's commands share that is not a click command itself: how an outcome is
reported (`outcome`), signals during a send (`interrupts`), an outbox that can't be used
(`outbox_guard`), `send --queue`/`--attach` (`send_queue`), app-only sign-in for login/logout/
status (`app_only_account`) and the click-less `status --check` that launch.py runs directly
(`health_check`).

`alloy_tui/commands/` holds click commands only (each module exposes COMMANDS); these modules
may print and exit like a command (click.echo, `exits.fail`), so they are not core. Nothing here
is imported at start: each module loads when a command needs it (this file imports nothing).
"""
