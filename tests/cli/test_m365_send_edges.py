"""`login` and `send` against the sandbox when the edges fail: an alert log that can't be written
must not abort a sign-in, and a body over Graph's request limit is refused before any upload."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from alloy_tui.sandbox import Sandbox
from tests.helpers.cli import run as cli_run
from tests.helpers.cli import sandbox_config  # noqa: F401 - fixture `cfg`

run = partial(cli_run, decode=False, timeout=60)


def test_login_goes_on_when_the_alert_log_cannot_be_written(sb: Sandbox, cfg: Path) -> None:
    (cfg.parent / "alert_log.jsonl").mkdir()  # the log path is a folder
    out = run(cfg, "login")
    assert out.returncode == 0, out.stderr
    assert b"Signed in as" in out.stdout
    assert b"alert log" in out.stderr and b"is a folder" in out.stderr
    assert b"Traceback" not in out.stderr


@pytest.mark.parametrize(
    "body",
    [
        b"All disks are fine.\n" * 250_000,  # 5 MB read: stopped at the 4 MB cap
        b'"quoted"\n' * 350_000,  # 3.5 MB read, but over 4 MB once escaped as JSON
    ],
    ids=["read", "encoded"],
)
def test_a_body_over_graphs_request_limit_is_refused_before_upload(
    sb: Sandbox, cfg: Path, body: bytes
) -> None:
    assert run(cfg, "login").returncode == 0
    sb.clear_requests()
    out = run(cfg, "send", "--to", "ops@contoso.example", "--subject", "Big", stdin=body)
    assert out.returncode == 2, out.stderr
    assert b"4 MB" in out.stderr and b"Microsoft Graph" in out.stderr
    assert b"Nothing was sent" in out.stderr and b"Traceback" not in out.stderr
    assert sb.requests("graph") == []
