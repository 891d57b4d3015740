"""The request deadline itself: it wakes a blocked read when it passes, and never touches a
socket that merely reuses the number of one it watched."""

from __future__ import annotations

import socket
import time

from alloy_tui.core.net.request_deadline import Deadline, current, watch_socket


def test_a_blocked_read_ends_when_the_deadline_passes() -> None:
    a, b = socket.socketpair()
    with a, b, Deadline(0.3) as d:
        watch_socket(a)
        t0 = time.monotonic()
        assert a.recv(10) == b""  # shut down under the read, not a timeout of its own
        assert d.expired and 0.2 < time.monotonic() - t0 < 3


def test_restart_gives_a_new_window_and_nothing_outlives_the_block() -> None:
    a, b = socket.socketpair()
    with a, b:
        with Deadline(0.4) as d:
            watch_socket(a)
            for _ in range(3):
                time.sleep(0.25)
                d.restart()
            b.sendall(b"x")
            assert a.recv(1) == b"x" and not d.expired
        assert current() is None
        time.sleep(0.5)
        b.sendall(b"y")
        assert a.recv(1) == b"y"  # the watchdog ended with the block


def test_a_reused_descriptor_is_left_alone() -> None:
    a, b = socket.socketpair()
    with Deadline(0.3) as d:
        d.watch(a)
        a.close()
        b.close()
        c, e = socket.socketpair()  # likely the same descriptor numbers, other sockets
        with c, e:
            time.sleep(0.6)
            assert d.expired
            e.sendall(b"still open")
            assert c.recv(20) == b"still open"
