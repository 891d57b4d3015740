"""`alloy-tui queue ...`: what waits in the outbox, and what to do with it.

    queue --live                       the full-screen view (ui/queue)
    queue list [--json] [--state pending|failed|all]   (also `mailq`, `sendmail -bp`)
    queue show ID                      (ID: the full id, the short form, or a unique prefix)
    queue retry ID... | --failed       back to pending, due now
    queue delete ID... | --failed [--yes]
    queue flush / queue run [--daemon]  (queue_run_cmd.py)

These only read the outbox or change a message's state file; the runner does the sending.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from alloy_tui.commands.context import CliContext, config_owner, fail
from alloy_tui.commands.queue_run_cmd import register as register_runner_commands


def open_box(obj: CliContext, *, write: bool = False) -> Any:
    """The outbox; one line and exit 1 when it is not (and can't become) a folder we can use."""
    from alloy_tui.cli_support.outbox_guard import check_outbox
    from alloy_tui.core.outbox import open_outbox

    settings = check_outbox(obj, write=write)  # the config read once for both
    return open_outbox(settings, obj.config_path)


def resolve_id(box: Any, typed: str, ids: list[str] | None = None) -> str:
    """The queued message a typed id names: the full id, the short form `queue list` shows, or
    a unique prefix of either (at least 6 characters). Anything else (a path, a typo, too
    short, several messages) is bad input: one line, exit 2."""
    from alloy_tui.core.outbox import QueueIdError, match_id

    try:
        return match_id(typed, box.ids() if ids is None else ids)
    except QueueIdError as e:
        fail(str(e))


def _known(box: Any, qid: str) -> str:
    """`qid` if it is queued; else one line and exit 2 (bad input, as for `queue show`)."""
    from alloy_tui.core.outbox import OutboxError

    try:
        box.get(qid)
    except OutboxError as e:
        if e.explanation.code != "outbox.unknown":
            raise
        fail(f"{qid}: {e.explanation.title}. {e.explanation.cause} Fix: {e.explanation.fix}")
    return qid


def _ids(box: Any, ids: tuple[str, ...], failed: bool, what: str) -> list[str]:
    """The messages to act on; every typed id is checked before anything is done (a typo
    among several ids changes nothing)."""
    if ids and failed:
        fail(f"give message ids or --failed, not both (queue {what}).")
    if failed:
        return [m.id for m in box.list("failed")]
    if not ids:
        fail(f"name the messages to {what} (ids from `alloy-tui queue list`), or use --failed.")
    queued = box.ids()  # meta/ listed once for every typed id
    return [_known(box, resolve_id(box, qid, queued)) for qid in ids]


def _each(box: Any, ids: list[str], action: str, done: str) -> None:
    """Apply box.<action>(id) to each id; one line per message; exit 1 if any was refused."""
    from alloy_tui.cli_support.outcome import echo_result
    from alloy_tui.core.outbox import OutboxError

    bad = 0
    for qid in ids:
        try:
            box.get(qid)  # an unknown id is said at once, not after waiting for its claim
            getattr(box, action)(qid)
        except OutboxError as e:
            bad += 1
            click.echo(f"alloy-tui: {qid}: {e.explanation.title}. {e.explanation.cause}", err=True)
        else:
            echo_result(f"{qid}: {done}.")  # a closed stdout never stops the loop halfway
    if bad:
        raise SystemExit(1)


@config_owner
@click.group("queue", invoke_without_command=True)
@click.option("--live", is_flag=True, help="Open the full-screen queue view (newest at the top).")
@click.pass_context
def queue_group(ctx: click.Context, live: bool) -> None:
    """The outbox: mail handed to sendmail (or `send --queue`) waiting to be delivered."""
    if live:
        if ctx.invoked_subcommand is not None:
            fail("--live opens the queue view; give it no subcommand.")
        _run_live(ctx.obj)
    elif ctx.invoked_subcommand is None:
        raise click.exceptions.NoArgsIsHelpError(ctx)  # as before: the help, exit status 2


def _run_live(obj: CliContext) -> None:
    from alloy_tui.terminal import require_fullscreen

    require_fullscreen("--live", "use `alloy-tui queue list` in pipes")
    from alloy_tui.ui.queue.app import run_live

    run_live(obj.load().settings, obj.config_path)


@queue_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--state",
    type=click.Choice(["pending", "failed", "all"]),
    default="all",
    show_default=True,
    help="Which messages to list.",
)
# `mailq` and `sendmail -bp`: sendmail's/postfix's format (core/outbox/mailq.py), not for people
@click.option("--mailq", "as_mailq", is_flag=True, hidden=True)
@click.pass_obj
def list_command(obj: CliContext, as_json: bool, state: str, as_mailq: bool) -> None:
    """The queued messages, oldest first."""
    from alloy_tui.cli_support.outbox_guard import guarded
    from alloy_tui.core.outbox import json_line, list_lines, mailq_lines

    box = open_box(obj)
    with guarded(obj):
        messages = box.list(None if state == "all" else state)
    if as_json:
        for m in messages:
            click.echo(json_line(m))
        return
    lines = mailq_lines if as_mailq and not as_json else list_lines
    for line in lines(messages, hold=box.hold()):
        click.echo(line)


@queue_group.command("show")
@click.argument("qid", metavar="ID")
@click.pass_obj
def show_command(obj: CliContext, qid: str) -> None:
    """One message: its headers, and every attempt with its explained error.

    ID: the full queue id, the short form `queue list` shows, or a unique prefix of either
    (at least 6 characters).
    """
    from alloy_tui.cli_support.outbox_guard import guarded
    from alloy_tui.core.outbox import OutboxError, show_lines

    box = open_box(obj)
    with guarded(obj):
        qid = resolve_id(box, qid)
    try:
        with guarded(obj, outbox_errors=False):
            m = box.get(qid)
    except OutboxError as e:
        unknown = e.explanation.code == "outbox.unknown"  # bad input; else the outbox failed
        fail(
            f"{e.explanation.title}. {e.explanation.cause} Fix: {e.explanation.fix}",
            2 if unknown else 1,
        )
    try:
        raw = box.read_raw(qid)
    except (OutboxError, OSError):  # the headers can't be read: show the rest
        raw = None
    for line in show_lines(m, raw, hold=box.hold()):
        click.echo(line)


@queue_group.command("retry")
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--failed", is_flag=True, help="Every failed message.")
@click.pass_obj
def retry_command(obj: CliContext, ids: tuple[str, ...], failed: bool) -> None:
    """Back to pending, due now (a failed message gets a fresh lifetime).

    ID: the full queue id, the short form `queue list` shows, or a unique prefix of either
    (at least 6 characters).
    """
    from alloy_tui.cli_support.outbox_guard import guarded

    box = open_box(obj, write=True)
    with guarded(obj):
        chosen = _ids(box, ids, failed, "retry")
        if not chosen:
            click.echo("No failed messages.")
            return
        _each(box, chosen, "retry", "pending, due now")
    from alloy_tui.core.outbox import wake_runner

    wake_runner(obj.config_path, box.path)


@queue_group.command("delete")
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--failed", is_flag=True, help="Every failed message.")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
@click.pass_obj
def delete_command(obj: CliContext, ids: tuple[str, ...], failed: bool, yes: bool) -> None:
    """Remove messages from the queue; they are never sent (asks first on a terminal).

    ID: the full queue id, the short form `queue list` shows, or a unique prefix of either
    (at least 6 characters).
    """
    from alloy_tui.cli_support.outbox_guard import guarded

    box = open_box(obj, write=True)
    with guarded(obj):
        _delete(box, ids, failed, yes)


def _delete(box: Any, ids: tuple[str, ...], failed: bool, yes: bool) -> None:
    chosen = _ids(box, ids, failed, "delete")
    if not chosen:
        click.echo("No failed messages.")
        return
    if not yes:
        if not sys.stdin.isatty():
            fail(f"deleting {len(chosen)} message(s) needs --yes when not run on a terminal.")
        click.confirm(f"Delete {len(chosen)} message(s)? They will never be sent", abort=True)
    _each(box, chosen, "delete", "deleted")


register_runner_commands(queue_group)
COMMANDS: list[click.Command] = [queue_group]
