"""The sandbox the command-line tests share (tests/helpers/sandboxes.py: it approves a device-flow
sign-in at once); a module may import another kind."""

from tests.helpers.sandboxes import approving_sb  # noqa: F401 - fixture `sb`, found here by pytest
