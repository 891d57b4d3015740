"""What the alert-log screen's thread workers hand to the UI thread, as typed messages.

The workers only read the file; the screen's handlers, on the UI thread, alone change the row
arrays. Each message names the generation of the view it was made for (`gen`, bumped on every
restart), so a result for a file that has since been rotated away is dropped.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from textual.message import Message

from alloy_tui.core.alertlog import FollowUpdate


@dataclass
class IndexBatch(Message, bubble=False):
    """Line offsets found by the backwards scan; `left`: the fraction of the file still to do."""

    gen: int
    starts: array[int]
    left: float


@dataclass
class Followed(Message, bubble=False):
    """New lines (or a rotation or truncation) seen by the follower."""

    gen: int
    update: FollowUpdate


@dataclass
class QueryBatch(Message, bubble=False):
    """Offsets of matches of a filter or search (`kind`), query `qid`; `progress` 1.0: done."""

    kind: str
    gen: int
    qid: int
    starts: array[int]
    progress: float


@dataclass
class Cleared(Message, bubble=False):
    """The clear (a rotation) has finished; `notice` says what it did."""

    notice: str
