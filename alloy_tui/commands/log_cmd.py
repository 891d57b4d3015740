"""`alloy-tui log`: the alert log for pipes and scripts (oldest to newest, like tail).

`--live` opens the full-screen live view instead (Textual, loaded only then).
"""

from __future__ import annotations

import os
import select
import stat
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

import click

from alloy_tui.commands.context import SANDBOX_SERIES, CliContext, config_owner, fail
from alloy_tui.core.alertlog import LEVEL_WORDS, LEVELS, AlertLogReader, Entry, log_path
from alloy_tui.core.config import Settings, load_or_default

_COLOURS = {"info": "cyan", "warning": "yellow", "error": "red"}


def _settings(obj: CliContext) -> Settings:
    return load_or_default(obj.config_path).settings


def _wanted(entry: Entry, level: str | None) -> bool:
    if level is None:
        return True
    if not (entry.valid or entry.truncated) or entry.level not in LEVELS:
        return False  # a line cut for length keeps the level it starts with
    return LEVELS.index(entry.level) >= LEVELS.index(level)


#: The event column's width: the longest event alloy-tui writes (a longer one widens a batch).
EVENT_WIDTH = len("test_message.sent")


def format_entry(entry: Entry, colour: bool = False, event_width: int = EVENT_WIDTH) -> str:
    """One line for a person: local time, level word, event, message, in columns."""
    if entry.truncated and entry.level in LEVELS:
        cut = Entry(raw="", valid=True, ts=entry.ts, level=entry.level, event=entry.event)
        cut.message = "(line too long, cut) " + entry.message[:2000] + "..."
        entry = cut
    if not entry.valid:
        why = "line too long, cut" if entry.truncated else "not a valid entry"
        raw = entry.raw if len(entry.raw) <= 2000 else entry.raw[:2000] + "..."
        word = "?BAD"
        if colour:
            word = click.style(word, fg="magenta", bold=True)
        return f"{'-' * 19}  {word:<5}  ({why}) {raw}"
    word = LEVEL_WORDS.get(entry.level, entry.level.upper()[:5] or "?")
    padded = f"{word:<5}"
    if colour and entry.level in _COLOURS:
        padded = click.style(padded, fg=_COLOURS[entry.level], bold=entry.level == "error")
    message = " ".join(entry.message.split())
    return f"{entry.local_time()}  {padded}  {entry.event:<{event_width}}  {message}"


def _emit(entries: Iterable[Entry], as_json: bool, colour: bool) -> None:
    entries = list(entries)
    width = max([EVENT_WIDTH, *(len(e.event) for e in entries if e.valid)])
    for entry in entries:
        entry = entry.for_terminal()  # no escape sequence from the log reaches the terminal
        try:
            click.echo(entry.raw if as_json else format_entry(entry, colour, width))
        except BrokenPipeError:
            raise
        except OSError as e:  # a full disk behind `> file`, a closed terminal
            _drop_stdout()
            fail(f"cannot write to standard output: {e.strerror or e}", 1)


def _drop_stdout() -> None:
    """Point fd 1 at /dev/null so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def _quiet_exit() -> None:
    """Broken pipe or Ctrl-C: stop without a traceback or a flush error at exit."""
    _drop_stdout()
    raise SystemExit(0)


def _stop_when_output_closes(stop: threading.Event) -> None:
    """``log --follow | head -2``: stop once the reader of the pipe is gone, like tail -f, instead
    of waiting for the next entry to find out."""
    try:
        fd = sys.stdout.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, AttributeError, ValueError):
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)  # POLLERR / POLLHUP are always reported
        while not stop.is_set():
            if poller.poll(500):
                stop.set()
                return

    threading.Thread(target=watch, name="stdout-watch", daemon=True).start()


def _print_log(
    obj: CliContext,
    path: Path,
    lines: int,
    follow: bool,
    as_json: bool,
    level: str | None,
    colour: bool,
) -> None:
    """The last `lines` entries (of `level`), then, with `follow`, each new one as it comes."""
    reader = AlertLogReader(path)
    if level is None:
        entries = reader.tail(lines)
    else:
        entries = _tail_filtered(reader, lines, level)
    _emit(entries, as_json, colour)
    if not follow:
        if not path.exists() and not as_json:
            click.echo(f"The alert log {path} is empty (nothing has been sent yet).", err=True)
            if obj.in_sandbox:
                click.echo(SANDBOX_SERIES, err=True)
        return
    stop = threading.Event()
    _stop_when_output_closes(stop)
    for entry in reader.follow(stop):
        if _wanted(entry, level):
            _emit([entry], as_json, colour)
    _quiet_exit()  # the reader of the pipe went away


@config_owner
@click.command("log")
@click.option(
    "-n",
    "lines",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many of the newest entries to show.",
)
@click.option(
    "-f", "--follow", is_flag=True, help="Keep printing new entries as they arrive (Ctrl-C stops)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON lines.")
@click.option(
    "--level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default=None,
    help="Only entries at this level or above (hides lines that are not valid entries).",
)
@click.option("--live", is_flag=True, help="Open the full-screen live view (newest at the top).")
@click.pass_obj
def log_command(
    obj: CliContext, lines: int, follow: bool, as_json: bool, level: str | None, live: bool
) -> None:
    """Show the alert log: every send attempt, oldest to newest like tail."""
    settings = _settings(obj)
    path = log_path(settings, obj.config_path)
    level = level.lower() if level else None
    if live:
        _run_live(path, settings, obj.config_path)
        return
    if path.is_dir():
        fail(f"the alert log path {path} is a folder, not a file")
    if sys.stdout is None:
        fail("standard output is closed: there is nowhere to print the log", 1)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    try:
        _print_log(obj, path, lines, follow, as_json, level, colour)
    except PermissionError:
        fail(f"cannot read the alert log {path}: permission denied")
    except (KeyboardInterrupt, BrokenPipeError):
        _quiet_exit()
    except OSError as e:
        fail(f"cannot read the alert log {path}: {e.strerror or e}")


def _tail_filtered(reader: AlertLogReader, n: int, level: str) -> list[Entry]:
    # Position follow() at the current end first, then walk back for matches.
    reader.tail(0)
    found: list[Entry] = []
    if n == 0:
        return found
    for entry in reader.iter_backwards(reader.position):
        if _wanted(entry, level):
            found.append(entry)
            if len(found) >= n:
                break
    found.reverse()
    return found


def _run_live(path: Path, settings: Settings, config_path: Path) -> None:
    from alloy_tui.terminal import require_fullscreen

    require_fullscreen("--live", "use `alloy-tui log --follow` in pipes")
    if path.is_dir():
        fail(f"the alert log path {path} is a folder, not a file")
    from alloy_tui.ui.alertlog.app import run_live

    run_live(path, settings.alert_log, queue=(settings, config_path))


COMMANDS: list[click.Command] = [log_command]
