"""The order of the steps, per e-mail service, and the loop that walks them.

The flow is data: `steps_for(state)` builds the list from the shared head and tail and the
chosen service's own steps. Exchange Online's steps live here; SMTP and Exchange Server bring
theirs as modules exposing ``STEPS: list[Step]`` (see `SERVICE_STEP_MODULES`). What each step
is called (keyed by its stable key) is in `step_names`.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from alloy_tui.ui.wizard.base import Progress, Step
from alloy_tui.ui.wizard.state import Back
from alloy_tui.ui.wizard.step_names import NAMES

if TYPE_CHECKING:
    from alloy_tui.ui.wizard.state import WizardState


class WizardApp(Protocol):
    """What the steps' loop needs of the app (`ui.app.AlloyApp`): a Protocol, so the wizard
    never imports the app that runs it."""

    state: WizardState

    def push_screen(self, screen: Any, callback: Callable[[Any], None]) -> Any: ...
    async def push_screen_wait(self, screen: Any) -> Any: ...
    def action_request_quit(self) -> None: ...
    def exit(self, result: Any = None) -> None: ...


SERVICE_STEP_MODULES: dict[str, str] = {
    "smtp": "alloy_tui.ui.wizard.smtp_step",
    "exchange-server": "alloy_tui.ui.wizard.exchange_server_step",
}


def lazy_step(key: str, module: str) -> Step:
    """A step whose module (and its imports) loads only when the step is first shown."""

    def real() -> Step:
        step: Step = importlib.import_module(module).STEP
        return step

    return Step(
        key=key,
        title=NAMES[key].title,
        make=lambda state: real().make(state),
        apply=lambda state, result: real().apply(state, result),
        skip=lambda state: real().skip(state) if module in sys.modules else False,
    )


_W = "alloy_tui.ui.wizard."


def signin_by_mode() -> Step:
    """ "Sign in": the device-code step, or the certificate step when auth = "certificate"."""

    def real(state: WizardState) -> Step:
        name = (
            "appcert_step" if state.draft.exchange_online.auth == "certificate" else "signin_step"
        )
        step: Step = importlib.import_module(_W + name).STEP
        return step

    def apply(state: WizardState, result: Any) -> None:
        from alloy_tui.ui.wizard import signin_mode_step

        if isinstance(result, signin_mode_step.SwitchMode):
            signin_mode_step.switch(state, result)
            return
        real(state).apply(state, result)

    return Step(
        key="signin",
        title=NAMES["signin"].title,
        make=lambda state: real(state).make(state),
        apply=apply,
    )


WELCOME = lazy_step("welcome", _W + "welcome_step")
SERVICE = lazy_step("service", _W + "service_step")
EXCHANGE_ONLINE = [
    lazy_step("registration", _W + "registration_step"),
    lazy_step("api", _W + "api_step"),
    signin_by_mode(),
    lazy_step("delegation", _W + "delegation_step"),
]
TAIL = [
    lazy_step("test", _W + "test_step"),
    lazy_step("local_mail", _W + "local_mail_step"),
    lazy_step("review", _W + "review_step"),
    lazy_step("done", _W + "done_step"),
]


def service_steps(service: str) -> list[Step]:
    """The chosen service's own steps (Exchange Online's are here; the others' in their module)."""
    if service == "exchange-online":
        return list(EXCHANGE_ONLINE)
    steps: list[Step] = importlib.import_module(SERVICE_STEP_MODULES[service]).STEPS
    return list(steps)


def steps_for(state: WizardState) -> list[Step]:
    """Welcome, service choice, the service's steps, test, local mail, review, done."""
    return [WELCOME, SERVICE, *service_steps(state.draft.service), *TAIL]


# Welcome and Saved frame the steps: every step in between is numbered and in the step list
# (Local mail too: optional, but a step like the others).
UNNUMBERED = {"welcome", "done"}


def progress_for(steps: list[Step], key: str, state: WizardState) -> Progress:
    numbered = [s for s in steps if s.key not in UNNUMBERED]
    keys = [s.key for s in numbered]
    done = frozenset(i for i, s in enumerate(numbered) if s.key in state.done)
    index = keys.index(key) if key in keys else -1  # -1: welcome and done carry no number
    return Progress(index=index, titles=tuple(s.title for s in numbered), done=done)


def push_welcome(app: WizardApp) -> asyncio.Future[Any]:
    """Push the first step now (from `on_mount`), so the very first frame drawn is already it;
    `run_steps(app, first=...)` then waits on the returned future for its result."""
    state = app.state
    steps = steps_for(state)
    step = steps[0]
    screen = step.make(state)
    screen.progress = progress_for(steps, step.key, state)
    result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def dismissed(value: Any) -> None:
        if not result.done():
            result.set_result(value)

    app.push_screen(screen, dismissed)
    return result


async def run_steps(app: WizardApp, first: asyncio.Future[Any] | None = None) -> None:
    """Walk the steps: Next applies the result and moves on, Back (Esc) moves back.

    `first`: the first step's result, when `push_welcome` already put it on screen."""
    state = app.state
    key = "welcome"
    forward = True
    while True:
        steps = steps_for(state)
        keys = [s.key for s in steps]
        i = keys.index(key) if key in keys else 0
        step = steps[i]
        if step.skip(state) and 0 < i < len(steps) - 1:
            key = keys[i + 1] if forward else keys[i - 1]
            continue
        if first is not None and i == 0:
            result, first = await first, None
        else:
            screen = step.make(state)
            screen.progress = progress_for(steps, step.key, state)
            result = await app.push_screen_wait(screen)
        if isinstance(result, Back):
            if i == 0:
                app.action_request_quit()
                continue
            key, forward = keys[i - 1], False
            continue
        step.apply(state, result)
        if getattr(result, "stay", False):  # e.g. the sign-in step switched to its other way
            continue
        state.done.add(step.key)
        if i == len(steps) - 1:
            app.exit(state.saved_path)
            return
        steps = steps_for(state)  # the service may have changed
        keys = [s.key for s in steps]
        key, forward = keys[keys.index(step.key) + 1], True
