"""The delivery side's composition root (core/daemon.py): the runner is handed its intakes
(it knows no maildrop by name), `drain` hands the configured ones, and one daemon per outbox."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from alloy_tui.core.config import Settings
from alloy_tui.core.daemon import DaemonBusy, daemon_lock, drain, intakes
from alloy_tui.core.maildrop import Envelope, drop
from alloy_tui.core.outbox import Outbox, run_queue
from tests.helpers.clock import FakeClock
from tests.helpers.maildrop import new_maildrop
from tests.helpers.smtp_server import free_port

RAW = b"To: ops@contoso.example\nSubject: nightly backup\n\nall 3 files copied\n"


def settings(tmp_path: Path, folder: Path) -> Settings:
    s = Settings(service="smtp").with_section("message", default_from="a@contoso.example")
    s = s.with_section("queue", path=str(tmp_path / "queue"), maildrop=str(folder))
    s = s.with_section("alert_log", path=str(tmp_path / "log.jsonl"))
    # nothing listens there: what is taken in stays queued (deferred), nothing is sent
    return s.with_section("smtp", host="127.0.0.1", port=free_port(), security="none")


def test_the_runner_alone_takes_no_maildrop_and_drain_does(tmp_path: Path) -> None:
    folder = new_maildrop(tmp_path)
    s = settings(tmp_path, folder)
    drop(folder, RAW, Envelope(("ops@contoso.example",)))
    run_queue(s, tmp_path / "config.toml")  # no intake handed: the drop file stays
    assert len(list(folder.iterdir())) == 1
    assert Outbox(tmp_path / "queue").list() == []
    drain(s, tmp_path / "config.toml")
    assert list(folder.iterdir()) == []
    [m] = Outbox(tmp_path / "queue").list()
    assert m.subject == "nightly backup" and m.state == "pending"


def test_intakes_are_taken_before_each_drain_and_on_each_wake(tmp_path: Path) -> None:
    s = settings(tmp_path, tmp_path / "none")
    seen: list[bool] = []
    stop = threading.Event()

    class Counting:
        def __init__(self, box: Outbox) -> None:
            assert box.path == tmp_path / "queue"

        def take(self, *, if_changed: bool = False) -> object:
            seen.append(if_changed)
            if len(seen) >= 3:
                stop.set()
            return None

    clock = FakeClock()
    run_queue(s, tmp_path / "config.toml", daemon=True, stop=stop, clock=clock, intake=[Counting])
    assert seen[0] is False and seen[1:] and all(seen[1:]), seen
    assert len(intakes(s, tmp_path / "config.toml")) == 1  # the maildrop


def test_one_daemon_per_outbox(tmp_path: Path) -> None:
    box = tmp_path / "queue"
    first = daemon_lock(box)
    try:
        with pytest.raises(DaemonBusy) as busy:
            daemon_lock(box)
        assert busy.value.outbox == box and busy.value.pid.isdigit()
    finally:
        first.release()
    daemon_lock(box).release()  # free again once released
