"""The Microsoft 365 fixtures every sandbox test here shares (tests/helpers/m365.py)."""

from tests.helpers.m365 import signed_in  # noqa: F401 - a fixture, found here by pytest
from tests.helpers.sandboxes import plain_sb  # noqa: F401 - fixture `sb`
