"""One way from a thread worker to the UI: the worker posts a typed message, a handler on the
screen changes the UI.

A thread worker never touches a widget. It calls `post_from_thread(screen, Message(...))`
(Textual's `post_message` is safe from any thread) and the screen's `@on(...)` handler, which
runs on the UI thread, updates what is shown. A failure becomes an `Explanation` in one place,
`explain_failure`, through `alloy_tui.core.explain`, so every step says what happened and what to
do in the same words as the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from alloy_tui.core.config import Settings
    from alloy_tui.core.errors import Explanation


@dataclass
class Failed(Message, bubble=False):
    """The worker's job failed: `explanation` says why and what to do.

    `attempt`: which try it belongs to, for a screen that can start a new try before the old
    one has ended (the handler drops a stale one)."""

    explanation: Explanation
    attempt: object = None


@dataclass
class Progress(Message, bubble=False):
    """What the worker is doing now, in words (`attempt` as for `Failed`)."""

    text: str
    attempt: object = None


def post_from_thread(target: MessagePump, message: Message) -> bool:
    """Hand `message` to `target` from a thread worker. False when `target` or the whole app is
    gone: the worker should stop, nobody is there to show its result."""
    try:
        return target.post_message(message)
    except RuntimeError:  # the app's event loop has already closed
        return False


def explain_failure(
    exc: BaseException,
    settings: Settings | None = None,
    *,
    input_title: str = "",
    input_fix: str = "",
) -> Explanation:
    """Any exception as an `Explanation`, through `core.explain` (never the bare exception text,
    which could hold a secret and does not say what to do).

    `input_title`, `input_fix`: for an error alloy-tui raised on purpose before any request (a
    value it refused), what this screen calls it and how to correct it here."""
    from alloy_tui.core.errors import AlloyError, ExplainedError
    from alloy_tui.core.explain import ExplainContext, explain

    context = ExplainContext.from_settings(settings) if settings is not None else ExplainContext()
    explanation = explain(exc, context)
    if isinstance(exc, AlloyError) and not isinstance(exc, ExplainedError):
        explanation = explanation.replace(
            title=input_title or explanation.title,
            fix=input_fix or explanation.fix,
        )
    return explanation
