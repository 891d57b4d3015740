"""Signals during sendmail's hand-off: the exit code tells the truth.

SIGINT, SIGTERM and SIGHUP end the hand-off with 75 (EX_TEMPFAIL, "nothing was queued") while
nothing is queued yet: reading stdin, checking the message, writing the temp files. The step that
queues (the outbox submit, or the maildrop's drop) runs with those signals blocked, so it is never
cut between "the message is durable" and "the caller knows": once it has returned, a signal that
arrived meanwhile, or later, no longer stops anything and sendmail exits 0 (from the moment the
runner is started to the exit, they are ignored: Python's shutdown would otherwise give them
back their default action, death). A signal the caller set to be ignored (nohup, a shell's
background job) stays ignored.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: no import on every cron job's hand-off but the C core
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

# The `signal` module builds three enums when imported (about half a millisecond on every cron
# job's hand-off); its C core `_signal`, loaded with the interpreter, is all this needs.
_signal: Any = __import__("_signal")
SIGNALS: tuple[int, ...] = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)


class Interrupted(BaseException):
    """A signal arrived before anything was queued (a BaseException, like KeyboardInterrupt:
    no `except Exception` on the way may swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Guard:
    """Install once, early; `committing()` around the step that queues; `committed` after."""

    def __init__(self) -> None:
        self.committed = False
        self.decided = False  # the exit code is known: a signal no longer changes it
        self.received = 0  # the last signal's number, 0 if none
        self.watched: tuple[int, ...] = ()

    def install(self) -> Guard:
        watched = []
        for sig in SIGNALS:
            if _signal.getsignal(sig) == _signal.SIG_IGN:
                continue  # nohup / background job: the caller asked for it to be ignored
            _signal.signal(sig, self._handler)
            watched.append(sig)
        self.watched = tuple(watched)
        return self

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum
        if not (self.committed or self.decided):
            self.decided = True  # only the first signal raises: a second, raised while the
            raise Interrupted(signum)  # first is handled, would escape as a traceback

    def committing(self) -> _Blocked:
        """`with guard.committing():` the block runs with the signals blocked; call `done()`
        in it once the message is queued. A signal that came meanwhile is handled as the block
        ends. (A class, not contextlib: no import on cron's path.)"""
        return _Blocked(self.watched)

    def commit(self, step: Callable[[], None]) -> None:
        """Run the step that queues the message with the signals blocked; done once it returned."""
        with self.committing():
            step()
            self.done()

    def done(self) -> None:
        self.committed = True

    def decide(self) -> None:
        """Nothing was queued and the exit code is chosen: a later signal is only noted (raised
        while the error is said, it would escape as a traceback)."""
        self.decided = True

    def settle(self) -> None:
        """Queued and nothing left to start: the signals are ignored from here to the exit, or
        one arriving while the interpreter shuts down (which puts the default action back for
        every Python handler) would kill a process whose message is queued."""
        if self.committed:
            for sig in self.watched:
                _signal.signal(sig, _signal.SIG_IGN)


class _Blocked:
    def __init__(self, signals: tuple[int, ...]) -> None:
        self.signals = signals
        self.old: Any = None

    def __enter__(self) -> None:
        self.old = _signal.pthread_sigmask(_signal.SIG_BLOCK, self.signals)

    def __exit__(self, *exc: object) -> None:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self.old)
