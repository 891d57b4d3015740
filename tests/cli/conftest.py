"""The sandbox the command-line tests share (tests/helpers/cli.py); a module may define its own."""

from tests.helpers.cli import sb  # noqa: F401 - a fixture, found here by pytest
