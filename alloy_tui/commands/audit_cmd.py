"""`alloy-tui audit`: the programs on this host that send mail with a password over SMTP, most
urgent first (Exchange Online with a password), each with the change that points it at
`alloy-tui smtpd`. `--json`: one object per line. Exit 0 nothing at risk, 1 something at risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from alloy_tui.core.errors import printable

if TYPE_CHECKING:
    from alloy_tui.core.relays import AuditResult


@click.command("audit")
@click.option(
    "--root",
    "root_dir",
    default="/",
    type=click.Path(file_okay=False, exists=True),
    help="Look under this folder instead of / (images, chroots, tests).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding, one a line.")
def audit_command(root_dir: str, as_json: bool) -> None:
    """Find programs that send mail with a password, and which of them use Exchange Online.

    Exit 0 when nothing is at risk, 1 when something sends to Exchange Online with a password
    (it stops working when Basic authentication is turned off). Passwords are never printed.
    """
    from alloy_tui.core import relays
    from alloy_tui.core.terminal_text import json_text

    result = relays.run_audit(relays.Root(root_dir))
    for error in result.errors:
        click.echo(printable(f"alloy-tui: {error} (skipped)"), err=True)
    if as_json:
        for finding in result.findings:
            click.echo(json_text(finding.as_json(), sort_keys=True))
    else:
        _human(result)
    raise SystemExit(1 if result.at_risk else 0)


def _human(result: AuditResult) -> None:
    if not result.findings:
        click.echo("No program here is set up to send mail over SMTP.")
        return
    risky = sum(f.at_risk for f in result.findings)
    click.echo(
        f"{len(result.findings)} found; {risky} send a password to Exchange Online"
        + (" (at risk: Basic authentication is being turned off)" if risky else "")
    )
    for f in result.findings:
        label = "AT RISK" if f.at_risk else ("password" if f.password else "ok")
        where = f"Exchange Online ({f.cloud})" if f.exchange_online else "other server"
        auth = "with a password" if f.password else "no password"
        click.echo(
            printable(
                f"{label:<9}{f.program}  {f.where()}  {f.key} = {f.host}:{f.port}  "
                f"[{where}, {auth}]"
            )
        )
        local = f.host.strip("[]").lower() in ("127.0.0.1", "localhost", "::1")
        change = "none: it already sends to this host" if local else f.change
        click.echo(printable(f"         change: {change}"))


COMMANDS = [audit_command]
