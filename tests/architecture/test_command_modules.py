"""commands/ holds click commands: each module named in commands.MODULES exposes COMMANDS, and
the commands that act on the config's outbox, state or alert log say so themselves
(`@config_owner`), so root for another user's config becomes that user before they run."""

from __future__ import annotations

import importlib

import click

from alloy_tui.cli import cli
from alloy_tui.commands import MODULES
from alloy_tui.commands.context import acts_as_config_owner


def test_every_command_module_exposes_its_click_commands() -> None:
    for name in MODULES:
        commands = importlib.import_module(f"alloy_tui.commands.{name}").COMMANDS
        assert commands and all(isinstance(c, click.Command) for c in commands), name
        assert all(cli.commands.get(c.name or "") is c for c in commands), name


def test_the_commands_that_become_the_config_owner() -> None:
    owners = {name for name, command in cli.commands.items() if acts_as_config_owner(command)}
    assert owners == {
        "queue",
        "status",
        "keepalive",
        "log",
        "login",
        "logout",
        "test-send",
        "smtpd",
    }
    assert not acts_as_config_owner(None)
