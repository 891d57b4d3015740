"""sendmail's command line, as msmtp and nullmailer take it (cron: `-FCronDaemon -odi -oem -oi -t`).

A small hand-written loop rather than click: sendmail options are glued (`-fADDR`, `-oi`,
`-FCronDaemon`) and bundled (`-ti`), getopt style. Accepted:

    -t            add the recipients of the To, Cc and Bcc headers to the arguments
    -i, -oi       a line holding only "." does not end the message
    -f ADDR       envelope sender (also -fADDR; -r is not sendmail's)
    -F NAME       full name, used when the message's From has no display name (also -FNAME)
    -bm           deliver (the default);  -bp  list the queue (like mailq)
    -o...  -B x  -A...  -v   accepted and ignored (-odi, -odb, -oem, -oep ...)

Anything else is a usage error (exit 64). No click, no heavy import: this runs for every cron job.
"""

from __future__ import annotations

import os

USAGE = "usage: sendmail [-t] [-i] [-f ADDR] [-F NAME] [-bm | -bp] [recipient ...] < message"
FLAGS = frozenset("tiv")  # no argument
WITH_ARGUMENT = frozenset("fFBboA")  # glued (-fADDR) or the next word (-f ADDR)
BOOLEAN_O = {"i": "ignore_dots"}  # -oi; every other -oX is accepted and ignored
MODES = {"m": "deliver", "p": "list"}


class UsageError(Exception):
    """A command line sendmail can't take; exit 64 (EX_USAGE)."""

    exit_code = os.EX_USAGE


class SendmailArgs:
    """The parsed command line. A plain class, not a dataclass: importing dataclasses is a
    tenth of the interpreter's start-up, and this runs for every cron job."""

    __slots__ = (
        "read_headers",
        "ignore_dots",
        "envelope_from",
        "full_name",
        "mode",
        "verbose",
        "recipients",
    )

    def __init__(
        self,
        read_headers: bool = False,  # -t
        ignore_dots: bool = False,  # -i / -oi
        envelope_from: str = "",  # -f
        full_name: str = "",  # -F
        mode: str = "deliver",  # -bm (deliver) or -bp (list)
        verbose: bool = False,  # -v (accepted; nothing extra is printed)
        recipients: list[str] | None = None,
    ) -> None:
        self.read_headers = read_headers
        self.ignore_dots = ignore_dots
        self.envelope_from = envelope_from
        self.full_name = full_name
        self.mode = mode
        self.verbose = verbose
        self.recipients: list[str] = [] if recipients is None else recipients

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SendmailArgs):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"SendmailArgs({shown})"


def parse_argv(argv: list[str]) -> SendmailArgs:
    """The options and recipients in argv (without the program name), or UsageError."""
    args = SendmailArgs()
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            args.recipients.extend(argv[i:])
            break
        if not word.startswith("-") or word == "-":
            args.recipients.append(word)
            continue
        if word.startswith("--"):
            raise UsageError(f"unknown option {word}; {USAGE}")
        i = _one_word(args, word, argv, i)
    return args


def _one_word(args: SendmailArgs, word: str, argv: list[str], i: int) -> int:
    """Apply one option word (maybe bundled, -ti); returns the index of the next word."""
    pos = 1
    while pos < len(word):
        letter = word[pos]
        pos += 1
        if letter in FLAGS:
            _flag(args, letter)
            continue
        if letter not in WITH_ARGUMENT:
            raise UsageError(f"unknown option -{letter} (in {word!r}); {USAGE}")
        value = word[pos:]
        if not value:
            if i >= len(argv):
                raise UsageError(f"option -{letter} needs a value; {USAGE}")
            value, i = argv[i], i + 1
        _with_argument(args, letter, value)
        return i
    return i


def _flag(args: SendmailArgs, letter: str) -> None:
    if letter == "t":
        args.read_headers = True
    elif letter == "i":
        args.ignore_dots = True
    else:
        args.verbose = True


def _with_argument(args: SendmailArgs, letter: str, value: str) -> None:
    if letter == "f":
        args.envelope_from = value
    elif letter == "F":
        args.full_name = value
    elif letter == "b":
        if value not in MODES:
            raise UsageError(
                f"-b{value} is not supported: only -bm (deliver, the default) and -bp (list the "
                f"queue); the message is read on stdin; {USAGE}"
            )
        args.mode = MODES[value]
    elif letter == "o" and value in BOOLEAN_O:
        setattr(args, BOOLEAN_O[value], True)
    # -o<anything else>, -B <type>, -A<c|m>: accepted and ignored, like msmtp
