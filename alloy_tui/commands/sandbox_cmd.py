"""`alloy-tui sandbox serve | messages`: run the local Microsoft 365 stand-in, list what it delivered."""

from __future__ import annotations

import shlex
import threading
from pathlib import Path
from typing import Any

import click


@click.group("sandbox")
def sandbox_group() -> None:
    """A local stand-in for Entra ID, Graph, EWS and SMTP on 127.0.0.1 (never talks to Microsoft)."""


@sandbox_group.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="0 picks a free port.",
)
@click.option(
    "--auto-approve",
    "auto_approve",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Approve each sign-in automatically this many seconds after its code is issued.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the CA file, config, state and delivered messages here (default: a temporary folder, removed on exit).",
)
@click.option("--tenant", default=None, help="Tenant GUID to use (default: a new random one).")
@click.option(
    "--client-id",
    "client_id",
    default=None,
    help="Client id to accept (default: a new random GUID).",
)
def serve(
    port: int,
    auto_approve: float | None,
    directory: Path | None,
    tenant: str | None,
    client_id: str | None,
) -> None:
    """Run the sandbox until Ctrl-C; print its endpoints, what each setup step asks for, and
    the export line that points the other commands (and the wizard) at it."""
    from alloy_tui.core.config import GUID_RE
    from alloy_tui.sandbox.server import Sandbox

    for name, value in (("--tenant", tenant), ("--client-id", client_id)):
        if value is not None and not GUID_RE.match(value):
            raise click.BadParameter(
                f'must be a GUID like "00000000-0000-0000-0000-000000000000", got "{value}"',
                param_hint=name,
            )
    sandbox = Sandbox(
        port=port,
        workdir=directory,
        auto_approve_after=auto_approve,
        tenant=tenant,
        client_id=client_id,
    )
    try:
        sandbox.start()
    except OSError as e:
        raise click.ClickException(
            f"cannot start the sandbox on 127.0.0.1:{port}: {e.strerror or e}"
        ) from None
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        import signal

        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _describe(sandbox, auto_approve)
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            click.echo("Stopping the sandbox.", err=True)
    finally:
        sandbox.stop()


def _keep_for_a_series(sandbox: Any) -> tuple[Path, Path]:
    """Write the sandbox's config (and its state folder) into its folder, so commands run with
    the printed export line talk to this sandbox: (config path, state folder)."""
    from alloy_tui.sandbox.session import config_text, write_config

    workdir = Path(sandbox.workdir)
    config_path, state = workdir / "config.toml", workdir / "state"
    write_config(config_path, config_text(sandbox, workdir))
    state.mkdir(mode=0o700, exist_ok=True)
    return config_path, state


def _describe(sandbox: Any, auto_approve: float | None) -> None:
    from alloy_tui.sandbox.guide import guide_lines, messages_command
    from alloy_tui.sandbox.session import config_text

    config_path, state = _keep_for_a_series(sandbox)
    click.echo(sandbox.describe())
    click.echo(f"  messages folder:   {sandbox.messages_dir}")
    approve = (
        f"after {auto_approve:g} s"
        if auto_approve is not None
        else "no (use the verification page)"
    )
    click.echo(f"  auto-approve:      {approve}")
    click.echo("  accounts:          " + ", ".join(sorted(sandbox.state.mailboxes)))
    click.echo("")
    click.echo("What the setup steps ask for:")
    for line in guide_lines(sandbox):
        click.echo("  " + line)
    click.echo("")
    click.echo("For a series of commands against this sandbox, in another shell:")
    click.echo(
        f"  export ALLOY_TUI_CONFIG={shlex.quote(str(config_path))} "
        f"ALLOY_TUI_STATE_DIR={shlex.quote(str(state))}"
    )
    click.echo(
        "  then: alloy-tui login; alloy-tui status; alloy-tui test-send --to ops@contoso.example"
    )
    click.echo("        alloy-tui log; alloy-tui   (the wizard)")
    click.echo(f"  what was delivered: {messages_command(sandbox)}")
    click.echo("")
    click.echo("Approve a sign-in with curl:")
    click.echo(
        f"  curl --cacert {sandbox.ca_path} -d code=CODE -d account=alerts@contoso.example "
        f"-d action=approve {sandbox.verification_url}"
    )
    click.echo("Register an app-only certificate (from `alloy-tui app-cert create`) with curl:")
    click.echo(
        f"  curl --cacert {sandbox.ca_path} --data-urlencode cert@app_certificate.public.pem "
        f"{sandbox.base_url}/appcerts"
    )
    click.echo("")
    click.echo(f"Config snippet (config.toml, written to {config_path}):")
    click.echo("")
    click.echo(config_text(sandbox, Path(sandbox.workdir)))


@sandbox_group.command("messages")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The folder given to `sandbox serve --dir`.",
)
def messages(directory: Path) -> None:
    """List the messages a sandbox delivered over Graph, EWS and SMTP (its .eml files)."""
    from alloy_tui.sandbox.mailbox import load_messages

    folder = directory / "messages" if (directory / "messages").is_dir() else directory
    if not directory.is_dir():  # bad input: one line, exit 2 (README "Exit codes")
        from alloy_tui.exits import fail

        fail(f"no such folder: {directory}; give the folder `sandbox serve --dir` used.")
    found = load_messages(folder)
    if not found:
        click.echo(f"No messages in {folder}.")
        return
    from alloy_tui.core.errors import printable

    for m in found:  # what a message said: never raw to the terminal
        behalf = f" (sent by {m.sender} on behalf)" if m.sender else ""
        click.echo(printable(f"{Path(m.path).name}  [{m.api}]  From: {m.from_address}{behalf}"))
        click.echo(printable(f"    To: {', '.join(m.to)}  Subject: {m.subject}"))


COMMANDS: list[click.Command] = [sandbox_group]
