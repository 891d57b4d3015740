"""The sandbox fixtures modules share, one per kind (a module imports the one it needs under its
Python name, so a test's `sb` parameter does not shadow an import; pytest finds a fixture
imported into a test module or a conftest.py):

- `plain_sb` (fixture name `sb`): a plain sandbox per module (also tests/helpers/m365.py's `sb`,
  which core/mail and core/outbox get through their conftest.py);
- `approving_sb` (fixture name `sb`): one that approves a device-flow sign-in at once (a child
  process signs in, the test can't approve for it; also tests/helpers/cli.py's `sb`, which
  tests/cli gets through its conftest.py);
- `ticking_sb` (fixture name `sb`): device-flow polling every second, for tests that wait
  on a sign-in in-process;
- `module_sandbox` (fixture name `sandbox`): a plain sandbox per module, named `sandbox`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alloy_tui.sandbox import Sandbox


@pytest.fixture(scope="module", name="sb")
def ticking_sb() -> Iterator[Sandbox]:
    with Sandbox(interval=1) as s:
        yield s


@pytest.fixture(scope="module", name="sandbox")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as s:
        yield s


@pytest.fixture(scope="module", name="sb")
def plain_sb() -> Iterator[Sandbox]:
    with Sandbox() as s:
        yield s


@pytest.fixture(scope="module", name="sb")
def approving_sb() -> Iterator[Sandbox]:
    """Approves a device-flow sign-in at once: a child process signs in, the test can't."""
    with Sandbox(auto_approve_after=0) as s:
        yield s
