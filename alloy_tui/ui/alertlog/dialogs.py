"""The two small screens of the alert log: an entry's details, and "archive the log?"."""

from __future__ import annotations

import json
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from alloy_tui.core.alertlog import Entry
from alloy_tui.core.config import AlertLog
from alloy_tui.ui.alertlog.view import LEVEL_LABELS
from alloy_tui.ui.widgets.hanging import COLUMN_START, HangingStatic

MAX_DETAIL_CHARS = 200_000  # a huge line is shown cut, never hangs the screen
HANGING_MAX = 20_000  # up to this size the details wrap with a hanging indent


def details_text(entry: Entry) -> str:
    """Every field of an entry for a person, details pretty-printed."""
    if entry.truncated and entry.level in LEVEL_LABELS:
        return "\n".join(
            [
                f"Time     {entry.local_time('%Y-%m-%d %H:%M:%S %Z')}",
                f"         {entry.ts} (UTC, as logged)",
                f"Level    {LEVEL_LABELS[entry.level].strip()}",
                f"Event    {entry.event}",
                f"Message  {entry.message[:MAX_DETAIL_CHARS]} …",
                "",
                "? This line is longer than 1 MiB and was cut: the message is shown only in",
                "part and the details not at all. The start of the line, as it is in the file:",
                "",
                entry.raw[:MAX_DETAIL_CHARS] + " …",
            ]
        )
    if not entry.valid:
        why = (
            "It is longer than 1 MiB and was cut."
            if entry.truncated
            else "It is not a valid JSON entry."
        )
        raw = entry.raw
        if len(raw) > MAX_DETAIL_CHARS:
            raw = (
                raw[:MAX_DETAIL_CHARS]
                + f"\n… ({len(entry.raw) - MAX_DETAIL_CHARS:,} more characters)"
            )
        return f"? This line is shown as it is in the file. {why}\n\n{raw}"
    local = entry.local_time("%Y-%m-%d %H:%M:%S %Z")
    lines = [
        f"Time     {local}",
        f"         {entry.ts} (UTC, as logged)",
        f"Level    {LEVEL_LABELS.get(entry.level, entry.level).strip()}",
        f"Event    {entry.event}",
        f"Message  {entry.message}",
        "",
        "Details",
    ]
    if entry.details:
        pretty = json.dumps(
            entry.details, indent=2, ensure_ascii=False, sort_keys=False, default=str
        )
        if len(pretty) > MAX_DETAIL_CHARS:
            pretty = pretty[:MAX_DETAIL_CHARS] + "\n… (cut)"
        lines.append(pretty)
    else:
        lines.append("  (none)")
    return "\n".join(lines)


class TextScreen(ModalScreen[None]):
    """A title and a text that scrolls. Escape, Enter or q closes. (Its CSS here: the queue
    screen shows it too.)"""

    DEFAULT_CSS = """
    TextScreen {
        align: center middle;
    }

    #details-box {
        width: 90%;
        height: 90%;
        border: round $accent;
        background: $surface;
    }

    #details-title, #details-hint {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }

    #details-hint {
        color: $text-muted;
        text-style: none;
    }

    #details-scroll {
        height: 1fr;
        padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,enter,q", "dismiss", "Close"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="details-box"):
            yield Static(Content(self.title_text), id="details-title")
            with VerticalScroll(id="details-scroll"):
                yield self.body()
            yield Static(Content("Esc/Enter close · ↑↓ scroll"), id="details-hint")

    def body(self) -> Static:
        return Static(Content(self.text), id="details-body")

    def on_mount(self) -> None:
        self.query_one("#details-scroll").focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class DetailsScreen(TextScreen):
    """One entry, every field. An entry about a queued message (mail.*, details.queue_id)
    offers o: open it in the queue (the screen dismisses with its id)."""

    BINDINGS = [
        Binding("escape,enter,q", "dismiss", "Close"),
        Binding("o", "open_in_queue", "Open in queue"),
    ]

    def __init__(self, entry: Entry) -> None:
        super().__init__("Entry details", details_text(entry))
        self.entry = entry
        qid = entry.details.get("queue_id") if entry.valid else None
        self.queue_id = qid if isinstance(qid, str) and qid else None

    def body(self) -> Static:
        # Wrapped lines stay under their column; a huge entry is drawn as it is (fast).
        if len(self.text) < HANGING_MAX:
            return HangingStatic(self.text, COLUMN_START, id="details-body")
        return Static(Content(self.text), id="details-body")

    def on_mount(self) -> None:  # (TextScreen's on_mount runs too: Textual calls both)
        if self.queue_id is not None:
            hint = f"o open {self.queue_id} in the queue · Esc/Enter close · ↑↓ scroll"
            self.query_one("#details-hint", Static).update(Content(hint))

    def action_open_in_queue(self) -> None:
        if self.queue_id is not None:
            self.dismiss(self.queue_id)  # type: ignore[arg-type]


class HelpScreen(TextScreen):
    """The alert log's help (F1): what it shows and every key."""

    BINDINGS = [
        Binding("escape,enter,q,f1,question_mark", "dismiss", "Close"),
    ]


def clear_text(archive_name: str, settings: AlertLog) -> str:
    """What "clear" will do, honestly: archived, and what the configured limits then drop."""
    keep, retention_days = settings.keep, settings.retention_days
    if keep <= 0:
        return (
            "Clear the alert log?\n\n"
            "alert_log.keep is 0, so there are no archives: the current entries are DELETED "
            "and the log starts empty."
        )
    lines = [
        "Clear the alert log?",
        "",
        f"The current entries are archived to {archive_name} and the log starts empty.",
        f"Only the newest {keep} archive{'s are' if keep != 1 else ' is'} kept.",
    ]
    if retention_days > 0:
        lines.append(
            f"Archived entries older than {retention_days} day{'s' if retention_days != 1 else ''}"
            " are dropped (alert_log.retention_days)."
        )
    return "\n".join(lines)


def cleared_text(archived: Path | None, settings: AlertLog) -> str:
    """What "clear" did, once the rotation (``archived``: the archive it made, if any) is done."""
    if archived is not None and archived.exists():
        return f"Archived to {archived.name}."
    if settings.keep <= 0:
        return "The log was emptied (alert_log.keep is 0: nothing is archived)."
    if archived is not None:  # retention pruned the whole archive away
        return (
            f"The log was cleared: every entry was older than {settings.retention_days} days, "
            "so retention dropped them."
        )
    return "The log was already empty."


class ConfirmClearScreen(ModalScreen[bool]):
    """Archive (rotate) the log after a confirmation; says what the limits will drop."""

    BINDINGS = [
        Binding("y", "answer(True)", "Archive"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, archive_name: str, settings: AlertLog) -> None:
        super().__init__()
        self.archive_name = archive_name
        self.settings = settings

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(
                Content(clear_text(self.archive_name, self.settings)),
                id="confirm-text",
            )
            with Horizontal(id="confirm-buttons"):
                label = "Archive (y)" if self.settings.keep > 0 else "Delete (y)"
                yield Button(label, id="confirm-yes", variant="warning")
                yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
