"""The Microsoft 365 fixtures every sandbox test here shares (tests/helpers/m365.py), and a
small disk for the outbox's fault tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.m365 import signed_in  # noqa: F401 - a fixture, found here by pytest
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`
from tests.helpers.tmpfs import small_tmpfs as mounted_tmpfs


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB tmpfs (we run as root); the test fails, never skips, if it can't mount."""
    with mounted_tmpfs(tmp_path / "disk") as d:
        yield d
