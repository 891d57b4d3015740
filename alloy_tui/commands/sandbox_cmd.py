"""`alloy-tui sandbox serve | messages`: run the local Microsoft 365 stand-in, list what it delivered."""

from __future__ import annotations

import threading
from pathlib import Path

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
    help="Keep the CA file and delivered messages here (default: a temporary folder, removed on exit).",
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
    """Run the sandbox until Ctrl-C; print its endpoints and a config snippet."""
    from alloy_tui.core.config import GUID_RE
    from alloy_tui.sandbox.server import Sandbox
    from alloy_tui.sandbox.session import config_text

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
        click.echo(sandbox.describe())
        click.echo(f"  messages folder:   {sandbox.messages_dir}")
        approve = (
            f"after {auto_approve:g} s"
            if auto_approve is not None
            else "no (use the verification page)"
        )
        click.echo(f"  auto-approve:      {approve}")
        click.echo("  accounts:          " + ", ".join(sorted(sandbox.state.mailboxes)))
        click.echo(
            "  send on behalf:    "
            + ", ".join(f"{d} may send for {o}" for o, d in sorted(sandbox.state.grants))
        )
        users = ", ".join(f"{u} / {p}" for u, p in sorted(sandbox.ews_basic_users.items()))
        click.echo(f"  EWS Basic users:   {users}")
        click.echo("")
        click.echo("Approve a sign-in with curl:")
        click.echo(
            f"  curl --cacert {sandbox.ca_path} -d code=CODE -d account=alerts@contoso.example "
            f"-d action=approve {sandbox.verification_url}"
        )
        click.echo("")
        click.echo("Config snippet (config.toml):")
        click.echo("")
        workdir = sandbox.workdir or Path(".")
        click.echo(config_text(sandbox, workdir))
        click.echo("Press Ctrl-C to stop.", err=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            click.echo("Stopping the sandbox.", err=True)
    finally:
        sandbox.stop()


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
    if not directory.is_dir():
        raise click.ClickException(f"no such folder: {directory}")
    found = load_messages(folder)
    if not found:
        click.echo(f"No messages in {folder}.")
        return
    for m in found:
        behalf = f" (sent by {m.sender} on behalf)" if m.sender else ""
        click.echo(f"{Path(m.path).name}  [{m.api}]  From: {m.from_address}{behalf}")
        click.echo(f"    To: {', '.join(m.to)}  Subject: {m.subject}")


COMMANDS: list[click.Command] = [sandbox_group]
