"""Shared test helpers: import as `from tests.helpers.NAME import ...`."""
