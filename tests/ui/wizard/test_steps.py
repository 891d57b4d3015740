"""Each step on its own: validation, keys, help, quitting, the alert log, resizing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from alloy_tui.core.config import store
from alloy_tui.core.signin.client import DeviceCode
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard import flow
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.dialogs import ConfirmQuitScreen, HelpScreen
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from alloy_tui.ui.wizard.welcome_step import WelcomeScreen
from tests.helpers.wizard import (
    CLIENT,
    TENANT,
    change_to_smtp,
    existing,
    on,
    screen_text,
    set_input,
    to_registration,
    wait_for,
)


async def test_welcome_new_config_explains_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "none" / "config.toml"
    app = AlloyApp(path)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "Nothing is written until you save" in text
        assert f"{path} (not created yet)" in text
        assert "Edit mode" not in text
        await pilot.press("escape")  # Esc on the first step: quit (nothing changed, no question)
    assert app.return_value is None and not path.exists()


async def test_welcome_edit_mode_shows_what_is_set(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        text = screen_text(app)
        assert "Edit mode" in text and TENANT in text and CLIENT in text
        assert "editing config.toml" in str(app.screen.query_one("#titlebar").content)


async def test_broken_config_is_shown_and_never_overwritten(tmp_path: Path) -> None:
    path = existing(tmp_path, '[exchange_online\napi = "graph"\n')
    before = path.read_bytes()
    app = AlloyApp(path)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: on(app, WelcomeScreen))
        assert "could not be read" in screen_text(app)
        await pilot.press("enter")
        assert on(app, WelcomeScreen) and "cannot continue" in screen_text(app)
        await pilot.press("ctrl+q")
    assert path.read_bytes() == before


async def test_registration_validates_as_typed(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        await pilot.press(*"not-a-guid")  # typed into the focused tenant field
        await pilot.pause()
        assert "✗" in str(app.screen.query_one("#tenant-check").content)
        set_input(app, "#tenant", TENANT)
        await pilot.pause()
        assert "✓ looks right" in str(app.screen.query_one("#tenant-check").content)
        set_input(app, "#client_id", "1234")
        await pilot.press("enter", "enter")  # client id -> cloud -> on: refused
        assert on(app, RegistrationScreen), "Next refused with a bad client id"
        assert app.screen.focused is app.screen.query_one("#client_id"), "cursor at the problem"
        assert "GUID" in str(app.screen.query_one("#client_id-check").content)
        assert "Fix the fields marked ✗" in str(app.screen.query_one("#status").content)
        set_input(app, "#client_id", CLIENT)
        app.screen.query_one("#cloud").focus()
        await pilot.press("down")  # GCC High: the az commands follow the cloud
        assert "az cloud set --name AzureUSGovernment" in str(app.screen.query_one("#az").content)
        await pilot.press("ctrl+y")
        assert (
            "az ad app create" in app.clipboard
            and "--is-fallback-public-client true" in app.clipboard
        )
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: on(app, ApiScreen))
        eo = app.state.draft.exchange_online
        assert (eo.tenant, eo.client_id, eo.cloud) == (TENANT, CLIENT, "usgov-high")
        await pilot.press("escape")  # Esc goes back, values kept
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        assert app.screen.query_one("#client_id").value == CLIENT


async def test_api_step_warns_about_ews_in_words(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        await pilot.press("enter", "enter", "enter")  # tenant -> client id -> cloud -> on
        await wait_for(pilot, lambda: on(app, ApiScreen))
        assert not app.screen.query_one("#ews-warning").display
        await pilot.press("down")
        panel = app.screen.query_one("#ews-warning")
        assert panel.display and "⚠" in str(panel.content) and "2027" in str(panel.content)
        await pilot.press("up")
        assert not panel.display
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        assert app.state.draft.exchange_online.api == "ews"


async def test_api_step_offers_large_messages_and_the_az_commands_follow(tmp_path: Path) -> None:
    from alloy_tui.ui.widgets.choice import Tick

    guid = "024d486e-b451-40bb-833d-3e66d98c5c73"  # Graph delegated Mail.ReadWrite
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        assert guid not in str(app.screen.query_one("#az").content)  # off: never asked for
        await pilot.press("enter", "enter", "enter")
        await wait_for(pilot, lambda: on(app, ApiScreen))
        tick = app.screen.query_one("#large", Tick)
        assert tick.display and not tick.value
        assert "Large messages (over ~3 MB, needs Mail.ReadWrite)  (off)" in str(tick.render())
        assert "Off:" in screen_text(app) and guid not in screen_text(app)
        await pilot.press("ctrl+y")  # nothing to copy while it is off
        assert guid not in (app.clipboard or "")
        await pilot.press("tab")
        assert app.screen.focused is tick
        await pilot.press("space")
        assert tick.value and "[x]" in str(tick.render())
        text = screen_text(app)
        assert "On:" in text and "Mail.ReadWrite" in text and f"{guid}=Scope" in text
        await pilot.press("ctrl+y")
        assert f"az ad app permission add --id {CLIENT}" in app.clipboard
        assert f"{guid}=Scope" in app.clipboard and "admin-consent" in app.clipboard
        app.screen.query_one("#api").focus()
        await pilot.press("down")  # EWS: no Graph drafts, the choice is not shown
        assert not tick.display and guid not in screen_text(app)
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: on(app, SignInScreen))
        assert app.state.draft.exchange_online.large_messages is True
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, ApiScreen))
        assert app.screen.query_one("#large", Tick).value  # kept going back
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        az = str(app.screen.query_one("#az").content)
        assert f"{guid}=Scope" in az and "Mail.ReadWrite (large messages)" in screen_text(app)
        await pilot.press("ctrl+y")
        assert f"{guid}=Scope" in app.clipboard


async def test_quit_with_unsaved_changes_asks_first(tmp_path: Path) -> None:
    path = existing(tmp_path)
    before = path.read_bytes()
    app = AlloyApp(path)
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        assert app.return_code is None
        await pilot.press("ctrl+q")  # nothing changed: quits at once, no question
        assert app.return_code == 0 and not any(
            isinstance(s, ConfirmQuitScreen) for s in app.screen_stack
        )
    assert app.return_value is None

    app = AlloyApp(path)
    async with app.run_test() as pilot:
        await change_to_smtp(app, pilot)  # the draft now differs from the file
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, ConfirmQuitScreen))
        assert "service" in screen_text(app) and "stays as it is" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not on(app, ConfirmQuitScreen))
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: on(app, ConfirmQuitScreen))
        await pilot.press("y")
    assert app.return_value is None
    assert path.read_bytes() == before


async def test_help_and_alert_log_from_a_step(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: on(app, HelpScreen))
        assert "Allow public client flows" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "AlertLogScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))
        await pilot.press("?")  # typed into the tenant field: not help
        assert app.screen.query_one("#tenant").value.endswith("?")


def fixed_code(clock: float) -> DeviceCode:
    return DeviceCode(
        user_code="F7GHK2LQX",
        verification_uri="https://microsoft.com/devicelogin",
        expires_at=clock + 900,
        message="",
    )


class SignInOnly(AlloyApp):
    """The sign-in step alone, showing a fixed code (no network)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=lambda: 1_000_000.0, start_flow=False)

    def load_config(self) -> None:  # called from AlloyApp.on_mount, once the config is read
        super().load_config()
        screen = SignInScreen(self.state, autostart=False)
        self.push_screen(screen, callback=lambda _r: None)
        self.call_after_refresh(screen.show_code, fixed_code(1_000_000.0))


async def test_sign_in_code_copy_and_qr_by_size(tmp_path: Path) -> None:
    app = SignInOnly(tmp_path / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, SignInScreen) and app.screen.phase == "waiting")
        text = screen_text(app)
        assert "F7GHK2LQX" in text and "https://microsoft.com/devicelogin" in text
        assert "expires in 15:00" in text
        # 80x24: the QR code beside the text (the code in plain letters beside it), whole
        beside = app.screen.query_one("#qr-beside")
        assert beside.display and not app.screen.query_one("#qr").display
        assert "scan the QR code" in text and "QR code hidden" not in text
        assert beside.region.bottom <= app.screen.query_one("#body").region.bottom
        assert beside.region.right <= 80 and beside.region.height == beside.needed[1]
        await pilot.press("c")
        assert app.clipboard == "F7GHK2LQX"
        await pilot.resize_terminal(120, 40)  # room for both: the big code, the QR under it
        await wait_for(pilot, lambda: app.screen.query_one("#qr").display, what="QR shown")
        assert not app.screen.query_one("#qr-beside").display
        assert "scan the QR code" in screen_text(app)
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: not app.screen.query_one("#qr").display, what="QR hidden")
        assert not app.screen.query_one("#qr-beside").display
        assert "QR code hidden: the window is too small; 80x24 shows it" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.screen.query_one("#qr-beside").display, what="beside")
        footer_keys = {b.key for _, b, _, _ in app.screen.active_bindings.values() if b.show}
        assert {"c", "x", "escape", "f1", "ctrl+l", "ctrl+q"} <= footer_keys
        assert "a" not in footer_keys and "r" not in footer_keys


async def test_test_step_refuses_bad_recipient_before_any_request(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path), start_flow=False)
    async with app.run_test() as pilot:
        screen = TrialSendScreen(app.state)
        await app.push_screen(screen, callback=lambda _r: None)
        await pilot.pause()
        set_input(app, "#to", "bob@example.com\r\nBcc: eve@example.com")
        await pilot.press("ctrl+t")
        assert not screen.sending
        assert "✗" in str(screen.query_one("#to-check").content)
        set_input(app, "#to", "")
        await pilot.press("enter")
        assert "required" in str(screen.query_one("#to-check").content)


async def test_review_refuses_stale_file_then_saves_over_it(tmp_path: Path) -> None:
    path = existing(tmp_path)
    app = AlloyApp(path, start_flow=False)
    async with app.run_test() as pilot:
        app.state.draft = app.state.draft.with_section("exchange_online", api="ews")
        path.write_text(path.read_text() + "# edited meanwhile\n", encoding="utf-8")
        screen = ReviewScreen(app.state)
        results: list[object] = []
        await app.push_screen(screen, callback=results.append)
        await pilot.pause()
        assert "exchange_online.api" in screen_text(
            app
        ) and "No test message went through" in screen_text(app)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "changed on disk" in screen_text(app).lower() or "changed" in screen_text(app),
        )
        assert "# edited meanwhile" in path.read_text() and 'api = "ews"' not in path.read_text()
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(results))
    text = path.read_text()
    assert "# keep me" in text and "# edited meanwhile" in text and 'api = "ews"' in text
    assert store.load(path).settings.exchange_online.api == "ews"


@pytest.mark.parametrize("size", [(80, 24), (40, 12), (20, 6), (200, 60)])
async def test_resizing_never_crashes(tmp_path: Path, size: tuple[int, int]) -> None:
    app = SignInOnly(tmp_path / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: on(app, SignInScreen) and app.screen.phase == "waiting")
        for w, h in (size, (120, 40), size):
            await pilot.resize_terminal(w, h)
            await pilot.pause()
        await pilot.press("f1")
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert app.is_running


def test_thread_stops_promptly_on_quit(tmp_path: Path) -> None:
    """Quitting while a sign-in waits sets its Event: the process does not hang on the thread."""
    import asyncio

    from alloy_tui.sandbox.server import Sandbox
    from tests.helpers.wizard import endpoints_toml

    with Sandbox(workdir=tmp_path / "sb", auto_approve_after=None) as sb:
        path = existing(tmp_path, endpoints_toml(sb, tmp_path))
        app = AlloyApp(path)

        async def run() -> float:
            async with app.run_test() as pilot:
                for _ in range(6):  # welcome, service, tenant, client id, cloud, API
                    await pilot.press("enter")
                    await pilot.pause(0.05)
                await wait_for(
                    pilot, lambda: on(app, SignInScreen) and app.screen.phase == "waiting"
                )
                started = time.monotonic()
                await pilot.press("ctrl+q")
            return started

        started = asyncio.run(run())
        assert time.monotonic() - started < 4


def test_lazy_step_list_matches_the_step_modules() -> None:
    """The flow names each step without importing it; the names must match the modules' own."""
    import importlib

    for step in [flow.WELCOME, flow.SERVICE, *flow.EXCHANGE_ONLINE, *flow.TAIL]:
        module = importlib.import_module(f"alloy_tui.ui.wizard.{step.key}_step")
        assert (module.STEP.key, module.STEP.title) == (step.key, step.title)


def test_first_screen_does_not_load_heavy_libraries(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from alloy_tui.ui.app import AlloyApp\n"
        "async def main():\n"
        "    app = AlloyApp(Path(sys.argv[1]))\n"
        "    async with app.run_test() as pilot:\n"
        "        while type(app.screen).__name__ != 'WelcomeScreen':\n"
        "            await pilot.pause(0.01)\n"
        "        await pilot.pause(0.1)\n"
        "    print('HEAVY=' + ','.join(m for m in ('msal', 'httpx', 'exchangelib') if m in sys.modules))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(existing(tmp_path))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().endswith("HEAVY="), out.stdout + out.stderr


def test_review_names_large_messages_only_when_on() -> None:
    from alloy_tui.core.config import Settings
    from alloy_tui.ui.wizard.summary import summary_lines

    off = Settings().with_section("exchange_online", tenant=TENANT)
    assert all(label != "Large messages" for label, _ in summary_lines(off))
    on_ = off.with_section("exchange_online", large_messages=True)
    assert ("Large messages", "on (Mail.ReadWrite)") in summary_lines(on_)
