"""`alloy-tui login`, `logout`, `status`: the Microsoft 365 account and whether sending is ready.

Headless: works with stdin closed, TERM=dumb and NO_COLOR=1. msal/httpx load inside the command.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import click

from alloy_tui.cli_support.outcome import log_warnings
from alloy_tui.commands.context import SANDBOX_SERIES, CliContext, config_owner, fail
from alloy_tui.core.config import LoadedConfig, Settings
from alloy_tui.core.errors import printable

if TYPE_CHECKING:
    from alloy_tui.core.signin import Account, SignIn

SANDBOX_AUTO_APPROVE = 3.0  # seconds before the sandbox approves a --sandbox sign-in by itself


def _when(ts: float) -> str:
    left = ts - time.time()
    clock = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(ts))
    if left <= 0:
        return f"{clock} (expired)"
    if left < 120:
        return f"{clock} (in {int(left)} s)"
    return f"{clock} (in {int(left // 60)} min)"


def device_sign_in(
    obj: CliContext, settings: Settings, signin: SignIn | None = None, *, err: bool = False
) -> Account:
    """Run the device-code flow: print URL and code, wait (Ctrl+C cancels), return the Account."""
    from alloy_tui.core.signin import SignIn, SignInCancelled

    signin = signin or SignIn(settings, obj.config_path)
    sandbox = getattr(obj.sandbox, "sandbox", None) if obj.in_sandbox else None
    if sandbox is not None and getattr(sandbox, "auto_approve_after", None) is None:
        sandbox.auto_approve_after = SANDBOX_AUTO_APPROVE
    code = signin.start_device_flow()

    def echo(text: str = "") -> None:
        click.echo(text, err=err)

    echo(f"To sign in, open {code.verification_uri} in a browser on any device")
    echo(f"and enter the code: {code.user_code}")
    echo(f"The code expires at {_when(code.expires_at)}.")
    if sandbox is not None:
        echo(
            f"(Sandbox: the code is approved automatically after {sandbox.auto_approve_after:g} s.)"
        )
    cancel = threading.Event()
    box: dict[str, Any] = {}  # "account": Account, or "error": BaseException

    done = threading.Event()  # not Thread.is_alive(): an interrupted join() can misreport it

    def work() -> None:
        try:
            box["account"] = signin.wait_for_device_flow(cancel)
        except BaseException as e:  # handed to the main thread
            box["error"] = e
        finally:
            done.set()

    t = threading.Thread(target=work, name="alloy-device-flow", daemon=True)
    try:
        t.start()
        echo("Waiting for the sign-in to finish... (Ctrl+C cancels)")
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        cancel.set()
        done.wait(5)  # the worker logs the cancellation within about a second
        fail("Sign-in cancelled.", 130, prefix="")
    if "error" in box:
        if isinstance(box["error"], SignInCancelled):
            fail("Sign-in cancelled.", 130)
        raise box["error"]
    account: Account = box["account"]
    return account


def remember_account(obj: CliContext, loaded: LoadedConfig, username: str) -> LoadedConfig:
    """Save exchange_online.account so status and cron sends use exactly this account."""
    from alloy_tui.core.config import save

    if loaded.settings.exchange_online.account == username:
        return loaded
    return save(loaded, loaded.settings.with_section("exchange_online", account=username))


def ensure_signed_in(obj: CliContext, loaded: LoadedConfig) -> LoadedConfig:
    """In --sandbox mode, sign in first when no account is cached. Returns the (re)loaded config."""
    from alloy_tui.core.mail import service_of

    if not obj.in_sandbox or not service_of(loaded.settings).signs_in:
        return loaded
    if loaded.settings.exchange_online.auth == "certificate":
        return loaded  # app-only: no user to sign in
    from alloy_tui.core.signin import SignIn

    signin = SignIn(loaded.settings, obj.config_path)
    if signin.current_account() is not None:
        return loaded
    click.echo("Sandbox: no account signed in yet; signing in first.", err=True)
    account = device_sign_in(obj, loaded.settings, signin, err=True)
    click.echo(f"Signed in as {account.name} <{account.username}>.", err=True)
    saved = remember_account(obj, loaded, account.username)
    signin.forget_other_accounts(keep=account.username)
    return saved


def _need_exchange_online(settings: Settings, what: str) -> None:
    from alloy_tui.core.mail import service_of

    if not service_of(settings).signs_in:
        fail(
            f'{what} is for Exchange Online (Microsoft 365) sign-in, but service = "{settings.service}"; '
            'set service = "exchange-online" (or run the wizard) first.'
        )


@config_owner
@click.command("login")
@click.pass_obj
def login_command(obj: CliContext) -> None:
    """Sign in to the Microsoft 365 account that sends (device code: works over SSH)."""
    from alloy_tui.core.signin import SignIn

    loaded = obj.load()
    _need_exchange_online(loaded.settings, "login")
    if loaded.settings.exchange_online.auth == "certificate":
        from alloy_tui.cli_support import app_only_account

        app_only_account.login(obj, loaded.settings)
        return
    signin = SignIn(loaded.settings, obj.config_path)
    with log_warnings():  # the sign-in's entries are best effort: it goes on without them
        account = device_sign_in(obj, loaded.settings, signin)
    remember_account(obj, loaded, account.username)
    # Only now that the config names the new account do the other accounts' tokens go.
    signin.forget_other_accounts(keep=account.username)
    click.echo(f"Signed in as {account.name} <{account.username}>.")
    _lift_hold(obj, loaded.settings)
    if signin.replaced:  # change account: the config is bound to exactly one account
        click.echo(
            f"Signed out {', '.join(signin.replaced)}: its tokens were removed from {signin.cache_path}."
        )
    from alloy_tui.core.mail import service_of

    if service_of(loaded.settings).retires:
        _ews_warning(loaded.settings)


def _lift_hold(obj: CliContext, settings: Settings) -> None:
    """Mail held for a sign-in (or any service failure) is tried now, not at the hold's end."""
    from alloy_tui.core.outbox import outbox_path, read_hold

    box = outbox_path(settings, obj.config_path)
    hold = read_hold(box)
    if hold is None:
        return
    from alloy_tui.core.outbox import Outbox, OutboxError, wake_runner

    outbox, probe = Outbox(box), str(hold.get("queue_id") or "")
    try:  # the message that probed is due now too (force lifts the hold)
        if probe and outbox.read_meta(probe) is not None:
            outbox.force(probe)
        outbox.lift_hold()
    except (OutboxError, OSError) as e:  # signed in all the same; the daemon lifts it later
        click.echo(
            f"alloy-tui: the queue's hold could not be lifted now: {printable(str(e))}", err=True
        )
        return
    click.echo("The queue was held; its mail is tried now.")
    wake_runner(obj.config_path, box)


@config_owner
@click.command("logout")
@click.pass_obj
def logout_command(obj: CliContext) -> None:
    """Sign out: forget the account's tokens in the token cache (any service)."""
    from alloy_tui.core.mail import service_of
    from alloy_tui.core.signin import SignIn

    loaded = obj.load()
    if not service_of(loaded.settings).signs_in:  # SMTP, Exchange Server: old Microsoft tokens
        _forget_all(obj, loaded.settings)
        return
    if loaded.settings.exchange_online.auth == "certificate":
        from alloy_tui.cli_support import app_only_account

        app_only_account.logout(obj, loaded.settings)
    else:
        signin = SignIn(loaded.settings, obj.config_path)
        current = signin.current_account()
        signin.sign_out()
        if current is None:
            click.echo("No account was signed in.")
        else:
            click.echo(
                f"Signed out {current.username}; its tokens were removed from {signin.cache_path}."
            )
    _other_mode(obj, loaded.settings)


def _other_mode(obj: CliContext, settings: Settings) -> None:
    """What the other sign-in mode left (app tokens after a switch to device code, accounts
    after a switch to the certificate) goes too: `logout` leaves no Microsoft token behind."""
    from alloy_tui.core.signin import forget_other_mode_tokens

    gone = forget_other_mode_tokens(settings, obj.config_path)
    if gone:
        click.echo(f"Also forgot what the other sign-in mode left: {', '.join(gone)}.")


def _forget_all(obj: CliContext, settings: Settings) -> None:
    """`logout` for a service that signs in with a password: every Microsoft token a former
    Exchange Online setup left in the token cache is forgotten (the password stays)."""
    from alloy_tui.core.signin import forget_all_tokens

    gone = forget_all_tokens(settings, obj.config_path)
    if not gone.accounts and not gone.app_tokens:
        click.echo(f"No Microsoft account was signed in (service = {settings.service}).")
        return
    said = [f"Signed out {', '.join(gone.accounts)}"] if gone.accounts else []
    if gone.app_tokens:
        said.append(f"forgot {gone.app_tokens} cached app token(s)")
    text = "; ".join(said)
    click.echo(f"{text[:1].upper()}{text[1:]} (removed from {gone.cache_path}).")


def _ews_warning(settings: Settings) -> None:
    from alloy_tui.core.explain import ews_retirement_warning

    w = ews_retirement_warning(client_id=settings.exchange_online.client_id)
    click.echo(f"Warning: {w.title}. {w.cause} {w.fix}", err=True)


def _status_lines(obj: CliContext, settings: Settings) -> tuple[bool, list[str]]:
    from alloy_tui.core.errors import AlloyError, ExplainedError
    from alloy_tui.core.mail import sends_to, service_of
    from alloy_tui.core.net import clouds
    from alloy_tui.core.signin import SignIn, check_app_settings

    eo = settings.exchange_online
    ep = clouds.endpoints(settings)
    lines = [
        "Service: Exchange Online (Microsoft 365)",
        f"API: {service_of(settings).label}",
        f"Cloud: {ep.cloud.label}",
        f"Sign-in: {ep.login}",
        f"Sends to: {sends_to(settings)}",
    ]
    if eo.auth == "certificate":
        from alloy_tui.cli_support import app_only_account

        return app_only_account.status_lines(obj, settings, lines)
    try:
        check_app_settings(settings)
    except AlloyError as e:
        return False, [*lines, f"Not ready: {e}"]
    lines.append(f"App (client) ID: {eo.client_id}   Tenant: {eo.tenant}")
    delegation = (
        "on (From may be another mailbox that granted Send On Behalf)"
        if eo.from_delegation
        else "off"
    )
    lines.append(f"'From' address delegation: {delegation}")
    try:
        signin = SignIn(settings, obj.config_path)
        health = signin.token_health()
    except ExplainedError as e:
        return False, [
            *lines,
            f"Not ready: {e.explanation.title}: {e.explanation.cause}",
            f"Fix: {e.explanation.fix}",
        ]
    except AlloyError as e:
        return False, [*lines, f"Not ready: {e}"]
    lines.append(f"Token cache: {signin.cache_path}")
    if health.account is None:
        fix = (
            "run `alloy-tui sandbox serve` to keep one sandbox (see below)"
            if obj.in_sandbox
            else "run `alloy-tui login`"
        )
        return False, [*lines, "Account: not signed in", f"Not ready: {health.detail} Fix: {fix}."]
    lines.append(f"Account: {health.account.name} <{health.account.username}>")
    lines.append(f"Refresh token cached: {'yes' if health.cached else 'no'}")
    if health.access_expires_at:
        lines.append(f"Access token valid until: {_when(health.access_expires_at)}")
    else:
        lines.append("Access token: none cached (a new one is fetched at the next send)")
    lines.append(_keepalive_line(obj, settings))
    if health.refresh_ok is True:
        lines.append("Token refresh: works")
    elif health.refresh_ok is False:
        lines.append(f"Token refresh: FAILED - {health.detail}")
    ready = health.cached and health.refresh_ok is not False
    return ready, lines


def _keepalive_line(obj: CliContext, settings: Settings) -> str:
    from alloy_tui.core.health import last_refresh

    last = last_refresh(settings, obj.config_path)
    if last is None:
        return "Last keep-alive refresh: never (run `alloy-tui keepalive` daily, or the daemon)"
    ago = max(0, int(time.time() - last))
    age = f"{ago // 3600} h" if ago >= 7200 else f"{ago // 60} min"
    clock = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(last))
    return f"Last keep-alive refresh: {clock} ({age} ago)"


@config_owner
@click.command("status")
@click.option(
    "--check",
    is_flag=True,
    help="Monitoring plugin (Nagios/Icinga/Zabbix): one line, exit 0 OK 1 WARNING 2 CRITICAL 3 UNKNOWN.",
)
@click.pass_obj
def status_command(obj: CliContext, check: bool) -> None:
    """Service, API, account and token health; exit 0 only when ready to send."""
    if check:
        from alloy_tui.commands.health_cmd import status_check

        status_check(obj)
    from alloy_tui.cli_support.outcome import echo_result as say  # a closed stdout: same exit

    loaded = obj.load()
    settings = loaded.settings
    say(f"Config: {obj.config_path}{'' if loaded.exists else ' (not created yet: defaults)'}")
    if not loaded.exists:
        say("Nothing is set up yet: run `alloy-tui` to open the setup wizard.")
    from alloy_tui.core.mail import probe_status, service_of

    row = service_of(settings)
    if row.signs_in:
        ready, lines = _status_lines(obj, settings)
    else:
        say(f"Service: {row.title}")
        ready, lines = probe_status(settings, obj.config_path)
    for line in lines:  # a server's banner, features, display name, error text: never raw
        say(printable(line))
    if row.retires:
        _ews_warning(settings)
    from alloy_tui.commands.status_delivery import delivery_lines, queue_line, queue_look

    seen = queue_look(settings, obj.config_path)  # one look at the outbox for both
    say(printable(queue_line(settings, obj.config_path, seen)))
    held, more = delivery_lines(settings, obj.config_path, seen)
    for line in more:
        say(printable(line))
    if held:
        ready = False  # never "yes" while the queue is held
        say(printable(f"Ready to send: no, {held}"))
    else:
        say("Ready to send: yes" if ready else "Ready to send: no")
    if not ready:
        if obj.in_sandbox:
            click.echo(SANDBOX_SERIES, err=True)
        raise SystemExit(1)


COMMANDS: list[click.Command] = [login_command, logout_command, status_command]
