"""`alloy-tui app-cert create`: the key and certificate for app-only sign-in, and the commands
that register it on the app and limit the app to the one mailbox.

cryptography loads inside the command.
"""

from __future__ import annotations

from pathlib import Path

import click

from alloy_tui.commands.context import CliContext


@click.group("app-cert")
def app_cert_group() -> None:
    """The certificate for app-only sign-in (exchange_online.auth = "certificate")."""


@app_cert_group.command("create")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the PEM (key + certificate); default: exchange_online.certificate, "
    "else the state folder.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=365,
    show_default=True,
    help="How long the certificate is valid.",
)
@click.pass_obj
def create_command(obj: CliContext, out: Path | None, days: int) -> None:
    """Make a new RSA 2048 key and self-signed certificate (0600) and print how to register it."""
    from alloy_tui.core.config import load_or_default
    from alloy_tui.core.explain import app_commands
    from alloy_tui.core.signin import certificate

    settings = load_or_default(obj.config_path).settings
    eo = settings.exchange_online
    configured = certificate.certificate_path(settings, obj.config_path)
    path = (out.expanduser() if out is not None else configured).absolute()
    kept = certificate.keep_previous(path)
    cred = certificate.write_new(path, days)
    info = cred.info
    public = certificate.public_path(path)
    click.echo(f"Created {path} (RSA 2048 private key + self-signed certificate, mode 0600).")
    if kept is not None:
        click.echo(
            f"The previous certificate was moved to {kept}; it keeps working until you remove it "
            "from the app registration."
        )
    click.echo(f"Certificate alone (public, to register): {public}")
    click.echo(f"Thumbprint (SHA-1):   {info.sha1}")
    click.echo(f"Thumbprint (SHA-256): {info.sha256}")
    click.echo(f"Expires: {info.expiry_text()}")
    click.echo("")
    lines = app_commands.setup_text(
        eo.client_id, eo.mailbox, public, eo.api, large_messages=eo.large_messages
    )
    for line in lines:
        click.echo(line)
    click.echo("")
    if path != configured.absolute() or eo.auth != "certificate":
        click.echo(f"Then in {obj.config_path}, [exchange_online]:")
        click.echo('   auth = "certificate"')
        click.echo(f'   certificate = "{path}"')
        if not eo.mailbox:
            click.echo('   mailbox = "<the address the app sends as>"')
    click.echo("Check with `alloy-tui login`, then `alloy-tui test-send --to <address>`.")


COMMANDS: list[click.Command] = [app_cert_group]
