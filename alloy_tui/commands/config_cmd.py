"""`alloy-tui config path|show|validate`: where the settings live and what they say.

Problems print one per line on stderr (``config.toml:12: exchange_online.api must be ...``)
and exit 2; nothing here ever writes the config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from alloy_tui.commands.context import CliContext, fail
from alloy_tui.core.config import SECTIONS, Settings, paths, to_mapping


@click.group("config")
def config_group() -> None:
    """Show where the settings live, print them, or check them."""


def _chosen_by(obj: CliContext) -> str:
    if obj.in_sandbox:
        return "--sandbox (a throwaway config)"
    path, why = paths.config_choice(str(obj.config_path) if obj.explicit_config else None)
    return why if path == obj.config_path else "--config"


@config_group.command(
    "path",
    short_help="Print the config path (--all: token cache, alert log and secrets too).",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also print the token cache, alert log and secrets file paths.",
)
@click.pass_obj
def path_command(obj: CliContext, show_all: bool) -> None:
    """Print the config file's path (it may not exist yet)."""
    if not show_all:
        click.echo(str(obj.config_path))
        return
    from alloy_tui.core.config import ConfigError, load_or_default
    from alloy_tui.core.secrets import secrets_path

    settings = Settings()
    note = ""
    try:
        loaded = load_or_default(obj.config_path, strict=False)
    except ConfigError as e:  # still say where things are; the token/log paths are then defaults
        note = "  (cannot be read: see below)"
        problems = e.lines
    else:
        settings = loaded.settings
        problems = loaded.problems
        if not loaded.exists:
            note = "  (not created yet)"
    rows = [
        ("config", f"{obj.config_path}{note}"),
        ("chosen by", _chosen_by(obj)),
        (
            "token cache",
            str(paths.token_cache_path(settings.exchange_online.token_cache, obj.config_path)),
        ),
        ("alert log", str(paths.alert_log_path(settings.alert_log.path, obj.config_path))),
        ("secrets", str(secrets_path())),
    ]
    for name, value in rows:
        click.echo(f"{name + ':':<13}{value}")
    for line in problems:
        click.echo(f"alloy-tui: {line}", err=True)


def _toml_value(value: object) -> str:
    import tomlkit

    if isinstance(value, dict):  # [sendmail] aliases: shown inline so the line stays one key
        table = tomlkit.inline_table()
        table.update(value)
        return table.as_string()
    return tomlkit.item(value).as_string()


def render_effective(settings: Settings, in_file: dict[str, Any]) -> list[str]:
    """The effective settings as TOML, every key, with ``# default`` on keys not in the file."""
    mapping = to_mapping(settings)
    rows: list[tuple[str, str]] = []

    def line(key: str, value: object, is_set: bool) -> None:
        rows.append((f"{key} = {_toml_value(value)}", "" if is_set else "# default"))

    line("service", mapping["service"], "service" in in_file)
    out_sections: list[tuple[str, list[tuple[str, str]]]] = [("", rows)]
    for name in SECTIONS:
        rows = []
        section = in_file.get(name)
        section = section if isinstance(section, dict) else {}
        for key, value in mapping[name].items():
            if (name, key) == ("alerts", "webhook_url") and value:  # a secret: the host only
                from alloy_tui.core.health import masked

                value = masked(str(value))
            line(key, value, key in section)
        out_sections.append((name, rows))
    width = max(len(text) for _, rs in out_sections for text, _ in rs)
    out: list[str] = []
    for name, rs in out_sections:
        if name:
            out += ["", f"[{name}]"]
        out += [f"{text:<{width}}  {mark}".rstrip() if mark else text for text, mark in rs]
    return out


@config_group.command("show", short_help="Print the effective settings as TOML, defaults marked.")
@click.pass_obj
def show_command(obj: CliContext) -> None:
    """Print the effective settings as TOML; `# default` marks keys not set in the file."""
    from alloy_tui.core.config import load_or_default, unknown_keys

    loaded = load_or_default(obj.config_path)
    click.echo(f"# Effective settings from {obj.config_path}")
    if loaded.exists:
        click.echo('# Keys marked "# default" are not set in the file.')
        in_file = loaded.data
    else:
        click.echo("# The file does not exist yet: every value below is a default.")
        click.echo("# Run `alloy-tui` to set up, and the wizard will save it.")
        in_file = {}
    click.echo("")
    for text in render_effective(loaded.settings, in_file):
        click.echo(text)
    for warning in unknown_keys(loaded) if loaded.exists else []:
        click.echo(f"alloy-tui: {warning}", err=True)


@config_group.command(
    "validate", short_help="Check the config file: OK, or each problem with its line."
)
@click.pass_obj
def validate_command(obj: CliContext) -> None:
    """Check the config file; print OK, or each problem on its own line (exit 2)."""
    from alloy_tui.core.config import ConfigError, load_or_default, unknown_keys

    try:
        loaded = load_or_default(obj.config_path)
    except ConfigError as e:
        fail(e.lines, 2, prefix="")  # validate's own format: the problem lines alone
    if not loaded.exists:
        fail(
            f"{obj.config_path} does not exist, so there is nothing to check; "
            "run `alloy-tui` to set up, or pass --config PATH."
        )
    for warning in unknown_keys(loaded):
        click.echo(f"{warning} (warning)", err=True)
    problem = certificate_problem(loaded.settings, obj.config_path)
    if problem:
        number = loaded.line_of("exchange_online.certificate")
        fail(f"{obj.config_path}:{number}: {problem}" if number else problem, 2, prefix="")
    from alloy_tui.core.health import place_problems

    lines = []
    for key, text in place_problems(loaded.settings, obj.config_path):
        number = loaded.line_of(key) if key else None
        said = f"{key}: {text}" if key else text
        lines.append(f"{obj.config_path}:{number}: {said}" if number else said)
    if lines:  # the outbox, alert log, state folder or maildrop can't be what they must be
        fail(lines, 2, prefix="")
    click.echo("OK")


def certificate_problem(settings: Settings, config_path: Path) -> str:
    """'' unless app-only sign-in is on and its certificate file cannot be used: exists, 0600,
    ours, a key and its certificate, not expired (the checks sign-in makes)."""
    from alloy_tui.core.mail import service_of

    eo = settings.exchange_online
    if not service_of(settings).signs_in or eo.auth != "certificate":
        return ""
    from alloy_tui.core.errors import UserInputError
    from alloy_tui.core.signin import certificate

    try:
        certificate.check_valid(
            certificate.load(certificate.certificate_path(settings, config_path)).info
        )
    except UserInputError as e:
        return str(e)
    return ""


COMMANDS: list[click.Command] = [config_group]
