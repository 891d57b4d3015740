"""Queue ids as people type them and read them.

A queue id is ``20261202T043512-3f9a1c7e``: the queue time (sortable), a dash, 8 random hex
digits. Its *short form* is the hex part (``3f9a1c7e``), what `queue list` and `mailq` show, as
postfix shows its short hex ids; where two queued messages share it (one chance in four billion
per pair), both are shown in full.

Every command that takes a queue id takes the full id, the short form, or any prefix of either
of at least `MIN_PREFIX` characters that names one message (`match_id`): an ambiguous one is
refused naming the candidates, a shorter one is refused, both as bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from alloy_tui.core.errors import UserInputError

MIN_PREFIX = 6
FULL_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$")  # 20261202T043512-3f9a1c7e
TYPED = re.compile(r"^[0-9A-Za-z-]+$")  # what a typed id may hold (never a path)
MAX_SHOWN = 10  # candidates named when a prefix is ambiguous


class QueueIdError(UserInputError):
    """A typed queue id that names no message, several, or is too short: one sentence."""

    def __init__(self, message: str, candidates: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


def short_id(qid: str) -> str:
    """The hex part of a queue id (the id itself when it has no such part)."""
    head, dash, tail = qid.rpartition("-")
    return tail if dash and head else qid


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id's shown form: its short form, or the full id where two share the short one."""
    ids = list(ids)
    seen: dict[str, int] = {}
    for qid in ids:
        seen[short_id(qid)] = seen.get(short_id(qid), 0) + 1
    return {qid: short_id(qid) if seen[short_id(qid)] == 1 else qid for qid in ids}


def match_id(typed: str, ids: Iterable[str]) -> str:
    """The one queued id `typed` names (see the module docstring); QueueIdError if none, several,
    or too short. A full id that is not queued is returned as it is (the caller says "no such
    message" with its own words, as for an id deleted a moment ago)."""
    text = typed.strip()
    if not text or not TYPED.match(text):
        raise QueueIdError(
            f"{typed!r} is not a queue id (like 20261202T043512-3f9a1c7e, or 3f9a1c7e as "
            "`alloy-tui queue list` shows it)."
        )
    key = text.lower()
    if FULL_ID.match(key[:8] + key[8:9].upper() + key[9:]):
        return key[:8] + "T" + key[9:]
    if len(text) < MIN_PREFIX:
        raise QueueIdError(
            f"{typed!r} is too short for a queue id: give at least {MIN_PREFIX} characters "
            "(see `alloy-tui queue list`)."
        )
    found = [q for q in ids if q.lower().startswith(key) or short_id(q).startswith(key)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise QueueIdError(
            f"no queued message has the id {typed!r} (sent or deleted already?); "
            "see `alloy-tui queue list`."
        )
    named = ", ".join(found[:MAX_SHOWN]) + (", ..." if len(found) > MAX_SHOWN else "")
    raise QueueIdError(
        f"{typed!r} names {len(found)} queued messages: {named}; give more of the id.", found
    )
