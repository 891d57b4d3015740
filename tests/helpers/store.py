"""Helpers for the store tests: run store code in a child process with fewer rights or limits.

Tests run as root, and root reads any file whatever its mode, so "unreadable" and "permission
denied" are tested for real by a child that drops to the `nobody` user after importing.
"Disk full" is a real write failure too: the child lowers RLIMIT_FSIZE (with SIGXFSZ ignored),
so the kernel refuses the write with EFBIG, just as a full disk refuses it with ENOSPC.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NOBODY = 65534

_PRELUDE = """
import json, os, resource, signal, sys
from pathlib import Path
import tomlkit  # imported before any limit or privilege drop
from alloy_tui.core.config import store
from alloy_tui.core.config.settings import Settings
args = json.loads(sys.argv[1])
if args.get("drop") and os.geteuid() == 0:
    os.setgroups([])
    os.setgid(args["drop"])
    os.setuid(args["drop"])
def report(**kw):
    sys.stdout.write(json.dumps(kw))
"""


def run_child(body: str, **args: Any) -> dict[str, Any]:
    """Run ``body`` (which calls report(...)) in a fresh interpreter; return what it reported."""
    code = _PRELUDE + body
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@contextmanager
def public_dir() -> Iterator[Path]:
    """A folder any user can enter (pytest's tmp_path sits under a 0700 folder)."""
    d = Path(tempfile.mkdtemp(prefix="alloy-store-"))
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def unprivileged() -> int | None:
    """The uid to drop to when running as root, else None (the current user is already limited)."""
    return NOBODY if os.geteuid() == 0 else None
