"""`login`, `logout` and `status` when exchange_online.auth = "certificate" (app-only).

Called by account_cmd's commands; not a command module itself. msal loads inside.
"""

from __future__ import annotations

import time

import click

from alloy_tui.commands.context import CliContext
from alloy_tui.core.config import Settings


def _until(ts: float) -> str:
    left = ts - time.time()
    clock = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(ts))
    return f"{clock} (in {int(left // 60)} min)" if left > 0 else f"{clock} (expired)"


def login(obj: CliContext, settings: Settings) -> None:
    """Acquire an app token now (from the cache or one request) and say who sends as whom."""
    from alloy_tui.core.signin import AppOnlySignIn

    signin = AppOnlySignIn(settings, obj.config_path)
    info = signin.credential().info
    token = signin.check()
    eo = settings.exchange_online
    click.echo(f"App-only sign-in works: app {eo.client_id} in tenant {eo.tenant}.")
    click.echo(f"Sends as mailbox: {eo.mailbox}")
    click.echo(f"Certificate: {info.path} (SHA-1 {info.sha1}), expires {info.expiry_text()}")
    source = "from the token cache" if token.from_cache else "new"
    click.echo(
        f"App token ({source}): roles {', '.join(token.roles)}; valid until {_until(token.expires_at)}"
    )


def logout(obj: CliContext, settings: Settings) -> None:
    from alloy_tui.core.signin import AppOnlySignIn

    signin = AppOnlySignIn(settings, obj.config_path)
    n = signin.sign_out()
    if n:
        click.echo(f"Forgot {n} cached app token(s) in {signin.cache_path}.")
    else:
        click.echo("No app token was cached.")
    click.echo(
        "The certificate stays registered on the app: to revoke it, remove it in Entra admin "
        "center > App registrations > the app > Certificates & secrets."
    )


def status_lines(obj: CliContext, settings: Settings, lines: list[str]) -> tuple[bool, list[str]]:
    """The app-only part of `status`: mode, certificate (warning 30 days before expiry), token."""
    from alloy_tui.core.errors import AlloyError, ExplainedError
    from alloy_tui.core.signin import AppOnlySignIn, certificate, check_app_only_settings

    eo = settings.exchange_online
    lines.append("Sign-in mode: app-only with a certificate (client credentials)")
    try:
        check_app_only_settings(settings)
    except AlloyError as e:
        return False, [*lines, f"Not ready: {e}"]
    lines.append(f"App (client) ID: {eo.client_id}   Tenant: {eo.tenant}")
    lines.append(f"Mailbox: {eo.mailbox}")
    signin = AppOnlySignIn(settings, obj.config_path)
    try:
        cred = certificate.load(signin.certificate_path)
    except AlloyError as e:
        return False, [*lines, f"Certificate: {signin.certificate_path}", f"Not ready: {e}"]
    info = cred.info
    lines.append(f"Certificate: {info.path}")
    lines.append(f"Thumbprint (SHA-1): {info.sha1}   SHA-256: {info.sha256}")
    lines.append(f"Certificate expires: {info.expiry_text()}")
    if 0 <= info.days_left() < certificate.EXPIRY_WARNING_DAYS:
        lines.append(
            f"Warning: the certificate expires in {int(info.days_left())} day(s): run "
            f"`alloy-tui app-cert create --out {info.path}` and register the new one."
        )
    lines.append(f"Token cache: {signin.cache_path}")
    try:
        token = signin.check(log=False)  # status only looks: no alert-log entry for success
    except ExplainedError as e:
        ex = e.explanation
        return False, [*lines, f"App token: FAILED - {ex.title}: {ex.cause}", f"Fix: {ex.fix}"]
    except AlloyError as e:
        return False, [*lines, f"Not ready: {e}"]
    source = "from the token cache" if token.from_cache else "acquired now"
    lines.append(
        f"App token: works ({source}; roles {', '.join(token.roles)}; valid until "
        f"{_until(token.expires_at)})"
    )
    return True, lines
