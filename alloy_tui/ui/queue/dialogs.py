"""The queue screen's small screens: "delete this message?" (naming it), and the text of a
message's details (built in a thread: `details_text`)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from alloy_tui.core.outbox import Outbox
from alloy_tui.ui.queue.rows import QueueRow, queued_text

MAX_LOG_ENTRIES = 50


def describe(row: QueueRow) -> str:
    """ "Disk /var 95% full" to ops@contoso.com (queued 14:02)."""
    subject = row.subject or "(no subject)"
    return f'"{subject}" to {row.to or "(nobody)"} (queued {queued_text(row.queued_at)})'


def log_entries(log_path: Path, qid: str) -> list[str]:
    """The alert-log lines about message ``qid`` (details.queue_id), oldest first."""
    import os

    from alloy_tui.core.alertlog import parse_line, scan_matches, search_pattern

    try:
        fd = os.open(log_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return []
    found: list[str] = []
    try:
        end = os.fstat(fd).st_size
        for batch, _ in scan_matches(fd, end, search_pattern(qid), lambda: False, fold_case=True):
            for start in batch:
                line = os.pread(fd, 64 * 1024, start).split(b"\n", 1)[0]
                entry = parse_line(line).for_terminal()
                if entry.valid and entry.details.get("queue_id") == qid:
                    when = entry.local_time("%Y-%m-%d %H:%M:%S")
                    found.append(f"  {when}  {entry.level:<7} {entry.event}: {entry.message}")
            if len(found) >= MAX_LOG_ENTRIES:
                break
    finally:
        os.close(fd)
    found.reverse()
    return found


def details_text(box: Outbox, qid: str, log_path: Path) -> str:
    """What `queue show` says (headers, size, every attempt with Why and Fix) and the message's
    alert-log entries. Raises OutboxError when the message is gone."""
    from alloy_tui.core.errors import printable
    from alloy_tui.core.outbox import OutboxError, show_lines

    message = box.get(qid)
    try:
        raw: bytes | None = box.read_raw(qid)
    except OutboxError:
        raw = None
    lines = [printable(line) for line in show_lines(message, raw, hold=box.hold())]
    entries = log_entries(log_path, qid)
    lines += ["", "Alert log:" if entries else "Alert log: no entries for this message."]
    return "\n".join(lines + entries)


class ConfirmDeleteScreen(ModalScreen[bool]):
    """Delete one queued message after a confirmation that names it."""

    DEFAULT_CSS = """
    ConfirmDeleteScreen { align: center middle; }
    #qdel-box { width: 64; max-width: 95%; height: auto; border: round $warning;
                background: $surface; padding: 1 2; }
    #qdel-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    #qdel-buttons Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Delete"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, row: QueueRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(id="qdel-box"):
            yield Static(
                Content(f"Delete {describe(self.row)}?\n\nIt will never be sent."),
                id="qdel-text",
            )
            with Horizontal(id="qdel-buttons"):
                yield Button("Delete (y)", id="qdel-yes", variant="warning")
                yield Button("Cancel (n)", id="qdel-no")

    def on_mount(self) -> None:
        self.query_one("#qdel-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "qdel-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
