"""A drop file carries the DSN requests (sendmail's -N/-R/-V, -bs's RET/ENVID/NOTIFY/ORCPT) as
`dsn`; a file without it reads as before; a `dsn` that is not a small table of the known keys
(any local user writes these files) is refused as an unreadable header."""

from __future__ import annotations

import json

import pytest

from alloy_tui.core.maildrop import Envelope, HeaderError, header_line, parse

RAW = b"To: root\n\nbody\n"


def test_dsn_round_trips_and_is_absent_when_none() -> None:
    dsn = (("dsn_notify", "root=FAILURE"), ("dsn_ret", "HDRS"))
    envelope = Envelope(("root",), False, "<>", "", dsn)
    assert parse(header_line(envelope) + RAW) == (envelope, RAW)
    plain = Envelope(("root",))
    assert b'"dsn"' not in header_line(plain)
    assert parse(header_line(plain) + RAW) == (plain, RAW)


@pytest.mark.parametrize(
    "dsn",
    [["dsn_ret", "HDRS"], {"submitted_by": "root"}, {"dsn_ret": 1}, {"dsn_envid": "x" * 5000}],
)
def test_a_bad_dsn_is_a_header_error(dsn: object) -> None:
    fields = {"recipients": ["root"], "dsn": dsn}
    data = b"alloy-maildrop 1 " + json.dumps(fields).encode() + b"\n" + RAW
    with pytest.raises(HeaderError, match="dsn"):
        parse(data)
