"""The runner sendmail starts never imports from the caller's working folder: PHP runs sendmail
in its web root and cron in a home folder; `python -m` would put that folder first on sys.path,
so an `alloy_tui/` planted there would run as whoever sent mail."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers.sendmail_door import sendmail, write_config


def test_the_started_runner_does_not_import_from_the_callers_folder(tmp_path: Path) -> None:
    write_config(tmp_path)
    web_root = tmp_path / "www"
    planted = web_root / "alloy_tui"
    planted.mkdir(parents=True)
    marker = tmp_path / "planted-code-ran"
    (planted / "__init__.py").write_text("")
    (planted / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    r = sendmail(tmp_path, "-t", cwd=web_root)
    assert r.returncode == 0, r.stderr
    incoming = tmp_path / "queue" / "incoming"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not marker.exists() and any(incoming.iterdir()):
        time.sleep(0.05)
    assert not marker.exists()
    assert list(incoming.iterdir()) == []  # the real runner took it
