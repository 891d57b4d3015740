"""sendmail's command line, as sendmail, postfix, msmtp and nullmailer take it (cron:
`-FCronDaemon -odi -oem -oi -t`; PHP: `-t -i -r ADDR`; mutt: `-N failure,delay -R hdrs`;
Symfony and Laravel: `-bs -i`).

A small hand-written loop rather than click: sendmail options are glued (`-fADDR`, `-oi`,
`-FCronDaemon`) and bundled (`-ti`), getopt style; an option that takes a value takes the rest
of its word or, when that is empty, the next word (`-L tag` = `-Ltag`). Accepted:

    -t            add the recipients of the To, Cc and Bcc headers to the arguments
    -i, -oi       a line holding only "." does not end the message
    -f ADDR       envelope sender (also -fADDR);  -r ADDR  the same (sendmail's old name)
    -F NAME       full name, used when the message's From has no display name (also -FNAME)
    -N DSN -R RET -V ENVID   delivery status requests: kept in the message's details, not acted on
    -bm           deliver (the default);  -bp  list the queue (like mailq)
    -bs           SMTP on stdin/stdout (the listener's rules);  -bi (-I, `newaliases`)  no-op
    -q            run the queue once (`queue flush`); -q<interval> (-q15m): a no-op, the
                  daemon or its timer runs the queue
    -o...  -O opt=val  -B x  -A...  -L tag  -h N  -C file  -X file  -d X  -e x  -p x
    -G  -U  -n  -m  -c  -v   accepted and ignored

Anything else is a usage error (exit 64). No click, no heavy import: this runs for every cron job.
"""

from __future__ import annotations

import os

USAGE = "usage: sendmail [-t] [-i] [-f ADDR] [-F NAME] [-bm | -bp | -bs | -bi | -q] [recipient ...] < message"
FLAGS = frozenset("tivGUnmcI")  # no argument
WITH_ARGUMENT = frozenset("fFBboArNRVLhCXdOep")  # glued (-fADDR) or the next word (-f ADDR)
BOOLEAN_O = {"i": "ignore_dots"}  # -oi; every other -oX is accepted and ignored
MODES = {"m": "deliver", "p": "list", "s": "smtp", "i": "newaliases"}
NO_RECIPIENTS = {"smtp": "-bs", "newaliases": "-bi", "queue_run": "-q", "queue_interval": "-q"}
DSN_NOTIFY = frozenset(("SUCCESS", "FAILURE", "DELAY"))
DSN_RET = frozenset(("FULL", "HDRS"))
MAX_ENVID = 100


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
        "dsn",
        "interval",
        "warnings",
    )

    def __init__(
        self,
        read_headers: bool = False,  # -t
        ignore_dots: bool = False,  # -i / -oi
        envelope_from: str = "",  # -f / -r
        full_name: str = "",  # -F
        mode: str = "deliver",  # deliver, list, smtp, newaliases, queue_run, queue_interval
        verbose: bool = False,  # -v (accepted; nothing extra is printed)
        recipients: list[str] | None = None,
        dsn: dict[str, str] | None = None,  # -N/-R/-V: dsn_notify, dsn_ret, dsn_envid
        interval: str = "",  # -q15m: "15m"
        warnings: list[str] | None = None,  # a DSN value that was ignored, said on stderr
    ) -> None:
        self.read_headers = read_headers
        self.ignore_dots = ignore_dots
        self.envelope_from = envelope_from
        self.full_name = full_name
        self.mode = mode
        self.verbose = verbose
        self.recipients: list[str] = [] if recipients is None else recipients
        self.dsn: dict[str, str] = {} if dsn is None else dsn
        self.interval = interval
        self.warnings: list[str] = [] if warnings is None else warnings

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
    flag = NO_RECIPIENTS.get(args.mode)
    if flag and args.recipients:
        hint = " (an interval goes in the same word: -q1h)" if flag == "-q" else ""
        raise UsageError(
            f"{flag} takes no recipient, but got {' '.join(args.recipients)!r}{hint}; {USAGE}"
        )
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
        if letter == "q":  # -q alone never takes the next word (as in sendmail and postfix)
            _queue(args, word[pos:])
            return i
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
    elif letter == "v":
        args.verbose = True
    elif letter == "I":  # sendmail's and postfix's -I: newaliases
        args.mode = "newaliases"
    # -G (gateway), -U (initial submission), -n (no aliasing), -m (me too), -c: ignored


def _queue(args: SendmailArgs, value: str) -> None:
    """-q: run the queue once; -qf the same (in the foreground, as we always are);
    -q<interval> or -qp<interval>: what the daemon or its timer does."""
    if value in ("", "f"):
        args.mode = "queue_run"
    elif value[0].isdigit() or value[0] == "p":
        args.mode, args.interval = "queue_interval", value
    else:
        raise UsageError(
            f"-q{value} is not supported: only -q (run the queue once) and -q<interval> "
            f"(e.g. -q15m); {USAGE}"
        )


def _with_argument(args: SendmailArgs, letter: str, value: str) -> None:
    if letter in "fr":
        args.envelope_from = value
    elif letter == "F":
        args.full_name = value
    elif letter == "b":
        if value not in MODES:
            hint = "; the SMTP listener is `alloy-tui smtpd`" if value == "d" else ""
            raise UsageError(
                f"-b{value} is not supported: only -bm (deliver, the default), -bp (list the "
                f"queue), -bs (SMTP on stdin) and -bi (newaliases){hint}; {USAGE}"
            )
        args.mode = MODES[value]
    elif letter == "o" and value in BOOLEAN_O:
        setattr(args, BOOLEAN_O[value], True)
    elif letter in "NRV":
        _dsn(args, letter, value)
    # -o<anything else>, -O opt=val, -B <type>, -A<c|m>, -L tag, -h hops, -C file, -X file,
    # -d<debug>, -e<mode>, -p<protocol>: accepted and ignored, like sendmail's own no-ops here


def _dsn(args: SendmailArgs, letter: str, value: str) -> None:
    """-N notify, -R ret, -V envid: kept when well-formed (as postfix does, a bad value is
    ignored with a warning, never a lost message)."""
    text = value.strip().upper()  # as SMTP's NOTIFY= and RET= (the listener records those)
    if letter == "N":
        words = [w.strip() for w in text.split(",")]
        ok = words == ["NEVER"] or (bool(words) and set(words) <= DSN_NOTIFY)
        key, kept = "dsn_notify", ",".join(words)
    elif letter == "R":
        ok, key, kept = text in DSN_RET, "dsn_ret", text
    else:
        kept = value.strip()
        ok = 0 < len(kept) <= MAX_ENVID and all(" " < c <= "~" for c in kept)
        key = "dsn_envid"
    if ok:
        args.dsn[key] = kept
    else:
        shown = value.encode("ascii", "backslashreplace").decode()[:MAX_ENVID]
        args.warnings.append(f"bad -{letter} value {shown!r} ignored")
