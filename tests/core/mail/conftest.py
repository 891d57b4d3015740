"""The Microsoft 365 fixtures every sandbox test here shares (tests/helpers/m365.py)."""

from tests.helpers.m365 import sb, signed_in  # noqa: F401 - fixtures, found here by pytest
