"""The sign-in tests' sandbox: device-flow polling every second (tests/helpers/sandboxes.py)."""

from tests.helpers.sandboxes import ticking_sb  # noqa: F401 - fixture `sb`, found here by pytest
