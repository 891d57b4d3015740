"""One way from a thread worker to the UI: the worker posts a typed message, a handler on the
screen changes the UI.

A thread worker never touches a widget. It calls `post_from_thread(screen, Message(...))`
(Textual's `post_message` is safe from any thread) and the screen's `@on(...)` handler, which
runs on the UI thread, updates what is shown. A failure becomes an `Explanation` in one place,
`explain_failure`, through `alloy_tui.core.explain`, so every step says what happened and what to
do in the same words as the command line.

The safety net: every thread worker runs through `run_in_thread` (or, for a `@work` method,
`@reports_errors`): an exception the worker did not expect (a watcher that stops following or
counting, a bug) becomes one typed `ThreadFailed(what, error)` message, posted to the screen and
bubbling to the app, where `BaseApp` shows it as an error notification (text escaped, never
markup). Nothing stops silently behind an unchanged screen; the app keeps running.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from textual.message import Message

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.message_pump import MessagePump
    from textual.worker import Worker

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


@dataclass
class ThreadFailed(Message, bubble=True):
    """A thread worker stopped on an error it did not expect. `what` names the work in words
    ("following the alert log"); `error` is the exception's type and text, already escaped."""

    what: str
    error: str


P = ParamSpec("P")
T = TypeVar("T")


def failure_text(exc: BaseException) -> str:
    """One line for an unexpected error: its type and text through `printable` (an exception's
    text may hold bytes from a file or a server)."""
    from alloy_tui.core.errors import printable

    text = printable(str(exc))[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def guarded(target: MessagePump, what: str, job: Callable[P, T]) -> Callable[P, T | None]:
    """`job`, with any exception it raises posted to `target` as `ThreadFailed` (None returned)."""

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return job(*args, **kwargs)
        except Exception as exc:  # the safety net: said on screen, never silent
            post_from_thread(target, ThreadFailed(what, failure_text(exc)))
            return None

    return run


def run_in_thread(
    owner: DOMNode,
    job: Callable[[], Any],
    *,
    what: str,
    group: str,
    exclusive: bool = False,
) -> Worker[Any]:
    """The one way to start a thread worker on `owner` (a screen, a widget or the app): an
    unexpected error in `job` reaches the screen as `ThreadFailed`."""
    worker: Worker[Any] = owner.run_worker(
        guarded(owner, what, job),
        thread=True,
        group=group,
        exclusive=exclusive,
        exit_on_error=False,
    )
    return worker


def reports_errors(what: str) -> Callable[[Callable[..., T]], Callable[..., T | None]]:
    """For a `@work(thread=True)` method (under the `@work`): an unexpected error in it is
    posted to its node as `ThreadFailed`, as `run_in_thread` does."""

    def wrap(method: Callable[..., T]) -> Callable[..., T | None]:
        @functools.wraps(method)
        def run(self: MessagePump, *args: Any, **kwargs: Any) -> T | None:
            return guarded(self, what, method)(self, *args, **kwargs)

        return run

    return wrap


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
