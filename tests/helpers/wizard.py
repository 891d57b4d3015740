"""Small helpers shared by the wizard tests (not a test module)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard import flow
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.delegation_step import DelegationScreen
from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.local_mail_step import LocalMailScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen


def screen_text(app: Any) -> str:
    """Every Static's text on the active screen, in DOM order."""
    parts = []
    for w in app.screen.query(Static):
        if w.display:
            parts.append(str(w.content))
    return "\n".join(parts)


def set_input(app: Any, selector: str, value: str) -> None:
    field = app.screen.query_one(selector, Input)
    field.value = value
    field.focus()


def on(app: Any, cls: type) -> bool:
    return isinstance(app.screen, cls)


class OneStep(AlloyApp):
    """One step on its own, after the config is read and `prepare` changed the draft; keeps
    what the step dismissed with in `results`; `after(screen)`: an action for the test to run
    once the step is shown; `app_kw`: more AlloyApp arguments (clock, today)."""

    def __init__(
        self,
        path: Path,
        key: str,
        make: Callable[[Any], Any],
        prepare: Callable[[Any], None] = lambda s: None,
        after: Callable[[Any], None] = lambda screen: None,
        **app_kw: Any,
    ) -> None:
        super().__init__(path, start_flow=False, **app_kw)
        self.key, self.make, self.prepare, self.after = key, make, prepare, after
        self.results: list[Any] = []

    def load_config(self) -> None:
        super().load_config()
        self.prepare(self.state)
        screen = self.make(self.state)
        screen.progress = flow.progress_for(flow.steps_for(self.state), self.key, self.state)
        self.push_screen(screen, callback=self.results.append)


def endpoints_toml(sb: Any, folder: Path, *, ids: bool = True, api: str = "graph") -> str:
    """A config pointing at the sandbox. Without ids the wizard must be told tenant and client id."""
    lines = [
        "# alerts for this server (a comment the wizard must keep)",
        'service = "exchange-online"',
        "",
    ]
    lines += ["[exchange_online]", f'api = "{api}"']
    if ids:
        lines += [f'tenant = "{sb.tenant}"', f'client_id = "{sb.client_id}"']
    lines += [
        f'token_cache = "{folder / "token_cache.json"}"',
        f'login_endpoint = "{sb.login_endpoint}"',
        f'graph_endpoint = "{sb.graph_endpoint}"',
        f'ews_endpoint = "{sb.ews_endpoint}"',
        "",
        "[network]",
        f'ca_bundle = "{sb.ca_path}"',
        "timeout = 10.0",
        "",
        "[alert_log]",
        f'path = "{folder / "alert_log.jsonl"}"',
        "",
    ]
    return "\n".join(lines)


async def wait_for(
    pilot: object, condition: Callable[[], object], timeout: float = 10.0, what: str = ""
) -> None:
    """Let the app run until `condition()` is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.05)  # type: ignore[attr-defined]
        await asyncio.sleep(0)


TENANT = "contoso.onmicrosoft.com"
CLIENT = "11111111-2222-3333-4444-555555555555"


def existing(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        text
        or f'# keep me\nservice = "exchange-online"\n\n[exchange_online]\ntenant = "{TENANT}"\nclient_id = "{CLIENT}"\n',
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def sandbox_wizard(
    size: tuple[int, int] = (80, 24),
) -> AsyncIterator[tuple[Any, AlloyApp, Any]]:
    """`alloy-tui --sandbox`: a sandbox session's sandbox, and the wizard on it at `size`,
    once its welcome shows."""
    from alloy_tui.sandbox.session import open_sandbox_session

    with open_sandbox_session() as session:
        app = AlloyApp(session.config_path, sandbox=session)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: on(app, WelcomeScreen))
            yield session.sandbox, app, pilot


async def to_registration(app: AlloyApp, pilot: object) -> None:
    await wait_for(pilot, lambda: on(app, WelcomeScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, ServiceScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, RegistrationScreen))


async def to_api_step(app: AlloyApp, pilot: Any) -> None:
    """Exchange Online in edit mode (a config with the ids): welcome to the API step."""
    await wait_for(pilot, lambda: on(app, WelcomeScreen), what="welcome")
    for screen in (ServiceScreen, RegistrationScreen):
        await pilot.press("enter")
        await wait_for(pilot, lambda s=screen: on(app, s), what=screen.__name__)
    await pilot.press("enter", "enter", "enter")  # tenant -> client id -> cloud -> on
    await wait_for(pilot, lambda: on(app, ApiScreen), what="API step")


async def to_signin_step(app: AlloyApp, pilot: Any) -> None:
    """Welcome to the sign-in step (edit mode, Graph)."""
    await to_api_step(app, pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, SignInScreen), what="sign-in step")


async def send_from_delegation(app: AlloyApp, pilot: Any, to: str = "bob@example.com") -> None:
    """From the delegation step: on to the test step, send to `to`, until the send is over."""
    await wait_for(pilot, lambda: on(app, DelegationScreen), what="delegation step")
    await pilot.press("enter")
    await wait_for(pilot, lambda: on(app, TrialSendScreen), what="test step")
    set_input(app, "#to", to)
    await pilot.press("ctrl+t")
    await wait_for(pilot, lambda: not app.screen.sending, timeout=15, what="the send")


async def to_review(app: AlloyApp, pilot: Any) -> None:
    """From the test step: past the optional local-mail step, to the review."""
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: on(app, LocalMailScreen), what="the local mail step")
    await pilot.press("ctrl+n")
    await wait_for(pilot, lambda: on(app, ReviewScreen), what="the review step")


async def quit_without_saving(app: AlloyApp, pilot: Any, key: str = "ctrl+q") -> None:
    """`key`, then Yes in the quit question, until the app has stopped."""
    await pilot.press(key)
    await wait_for(pilot, lambda: on(app, ConfirmQuitScreen), what="the quit question")
    await pilot.press("y")
    await wait_for(pilot, lambda: not app.is_running, what="exit")


async def change_to_smtp(app: AlloyApp, pilot: Any) -> None:
    """Edit mode: on to the registration step, back to the service step, SMTP: the draft now
    differs from the file."""
    await to_registration(app, pilot)
    await pilot.press("escape")
    await wait_for(pilot, lambda: on(app, ServiceScreen))
    await pilot.press("down", "enter")
    await pilot.pause()


async def save_after_test_step(app: AlloyApp, pilot: object) -> None:
    """From the test step: past the optional local-mail step, review, save, until Done shows."""
    await to_review(app, pilot)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: on(app, DoneScreen), what="saved")


def signed_in_config(sb: Any, tmp_path: Path, account: str) -> Path:
    """A saved config naming `account`, signed in outside the wizard (what the cron job uses)."""
    import threading

    from alloy_tui.core.config import store
    from alloy_tui.core.signin import SignIn

    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir()
    text = endpoints_toml(sb, tmp_path).replace(
        'api = "graph"', f'api = "graph"\naccount = "{account}"'
    )
    path.write_text(text, encoding="utf-8")
    signin = SignIn(store.load(path).settings, path)
    signin.start_device_flow()
    assert signin.wait_for_device_flow(threading.Event()).username == account
    return path
