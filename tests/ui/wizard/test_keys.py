"""Keys as an admin over SSH sends them: typed ahead, in bursts, without looking. Focus, Enter,
Tab, the footer, help text and the copyable PowerShell command."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from alloy_tui.sandbox.server import Sandbox
from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.api_step import ApiScreen
from alloy_tui.ui.wizard.delegation_step import DelegationScreen, powershell_command
from alloy_tui.ui.wizard.dialogs import HelpScreen, reflow
from alloy_tui.ui.wizard.registration_step import RegistrationScreen
from alloy_tui.ui.wizard.service_step import ServiceScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.test_step import TrialSendScreen
from tests.helpers.wizard import (
    CLIENT,
    TENANT,
    endpoints_toml,
    existing,
    on,
    screen_text,
    set_input,
    to_registration,
    wait_for,
)


def burst(app: AlloyApp, *keys: str) -> None:
    """Queue keys all at once, as a paste or a fast typist over SSH delivers them: no key waits
    for the one before it to be handled (Pilot.press would wait)."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(key, key))
        else:
            app.post_message(events.Key(key, None))


def chars(text: str) -> list[str]:
    return list(text)


async def fresh_state(app: AlloyApp, pilot: object, **exchange_online: object) -> WizardState:
    """The app's state once it has read its (missing) config, with these keys changed."""
    await wait_for(pilot, lambda: app.state.loaded is not None, what="the config read")
    app.state.draft = app.state.draft.with_section("exchange_online", **exchange_online)
    return app.state


def footer(app: AlloyApp) -> dict[str, str]:
    """Key -> description of what the footer shows now."""
    return {
        key: b.binding.description
        for key, b in app.screen.active_bindings.items()
        if b.binding.show and b.enabled
    }


async def test_text_typed_right_after_tab_lands_in_the_next_field(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        burst(app, *chars(TENANT), "tab", *chars(CLIENT), "shift+tab")
        await wait_for(pilot, lambda: app.screen.query_one("#client_id", Input).value == CLIENT)
        await pilot.press("end")  # Shift+Tab selected the field's text; typing would replace it
        burst(app, *chars(".x"))
        await pilot.pause()
        assert app.screen.query_one("#tenant", Input).value == TENANT + ".x"
        assert app.screen.focused is app.screen.query_one("#tenant")


async def test_enter_moves_field_to_field_then_goes_on(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        assert footer(app)["enter"] == "Next field"
        burst(app, *chars(TENANT), "enter", *chars(CLIENT), "enter")
        await wait_for(pilot, lambda: app.screen.focused is app.screen.query_one("#cloud"))
        assert app.screen.query_one("#tenant", Input).value == TENANT
        assert app.screen.query_one("#client_id", Input).value == CLIENT
        assert on(app, RegistrationScreen)  # Enter in a field never skips the cloud
        assert footer(app)["enter"] == "Next" and footer(app)["down"] == "Choose"
        await pilot.press("enter")
        await wait_for(pilot, lambda: on(app, ApiScreen))


async def test_editing_keys_in_a_burst_keep_their_order(tmp_path: Path) -> None:
    """Backspace, Ctrl+U, Home typed in one burst with letters act where they were typed (Textual
    alone would run them after the letters that followed)."""
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        burst(app, *chars("wrong"), "ctrl+u", *chars("contoso.onmicrosoft.comm"), "backspace")
        burst(app, "home", *chars("x"), "backspace", "end", "enter", *chars(CLIENT))
        await wait_for(pilot, lambda: app.screen.query_one("#client_id", Input).value == CLIENT)
        assert app.screen.query_one("#tenant", Input).value == TENANT


async def test_going_on_with_a_bad_field_puts_the_cursor_in_it(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml")
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        burst(app, *chars("not a tenant"), "enter", *chars(CLIENT), "enter", "enter")
        await wait_for(
            pilot, lambda: "Fix the fields" in str(app.screen.query_one("#status").content)
        )
        assert on(app, RegistrationScreen)
        assert app.screen.focused is app.screen.query_one("#tenant")
        assert app.screen.query_one("#client_id", Input).value == CLIENT


async def test_keys_typed_during_a_step_change_do_not_crash(tmp_path: Path) -> None:
    """Enter Enter Enter Enter in one burst: each step acts on one, none acts after leaving."""
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        burst(app, "enter", "enter", "enter", "enter", "enter", "escape", "escape")
        steps = (RegistrationScreen, ApiScreen, SignInScreen, ServiceScreen)
        # the burst settles on a step (how soon depends on the machine's load), and never crashes
        for _ in range(3):  # keys still queued may move it on once more: settle, then look again
            await wait_for(
                pilot, lambda: isinstance(app.screen, steps), what="a step after the burst"
            )
            await pilot.pause(0.3)
        assert app.is_running
        await wait_for(pilot, lambda: isinstance(app.screen, steps), what="a step after the burst")


async def test_the_scrolling_body_is_not_a_tab_stop(tmp_path: Path) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        seen = []
        for _ in range(4):
            seen.append(app.screen.focused.id if app.screen.focused else None)
            await pilot.press("tab")
        assert seen == ["tenant", "client_id", "cloud", "tenant"]
        await pilot.press("pagedown")  # the body still scrolls, from any field
        assert app.screen.query_one("#body").scroll_y > 0


async def test_help_paragraphs_reflow_and_the_close_keys_stay_in_sight(tmp_path: Path) -> None:
    text = "A long sentence that was\nbroken by hand.\n\nKeys: Enter goes\non.\n  1. a list item\n  2. another"
    assert reflow(text) == (
        "A long sentence that was broken by hand.\n\nKeys: Enter goes on.\n"
        "  1. a list item\n  2. another"
    )
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_registration(app, pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: on(app, HelpScreen))
        shown = screen_text(app)
        assert "in\nMicrosoft Entra ID" not in shown and "in Microsoft Entra ID" in shown
        assert "On every step: Esc goes back" in shown
        box = app.screen.query_one("#help-box")
        assert "Esc, F1 or q: close" in str(box.border_subtitle)
        assert box.region.bottom <= 24  # the border (with the keys) is on screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: on(app, RegistrationScreen))


async def test_delegation_shows_and_copies_the_whole_powershell_command(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml", start_flow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        state = await fresh_state(app, pilot, account="alerts@contoso.example")
        await app.push_screen(DelegationScreen(state))
        await pilot.pause()
        assert "space" in footer(app) and "ctrl+y" not in footer(app)  # nothing to copy when off
        await pilot.press("space")
        command = str(app.screen.query_one("#powershell").content)
        assert "Set-Mailbox -Identity <user> `" in command
        assert '-GrantSendOnBehalfTo @{Add="alerts@contoso.example"}' in command
        assert footer(app)["ctrl+y"] == "Copy command"
        await pilot.press("ctrl+y")
        assert app.clipboard == powershell_command("alerts@contoso.example")
        assert app.clipboard == (
            'Set-Mailbox -Identity <user> -GrantSendOnBehalfTo @{Add="alerts@contoso.example"}'
        )


async def test_test_step_enter_moves_to_from_then_sends_and_bad_field_gets_focus(
    tmp_path: Path,
) -> None:
    app = AlloyApp(tmp_path / "config.toml", start_flow=False)
    async with app.run_test(size=(80, 24)) as pilot:
        state = await fresh_state(app, pilot, from_delegation=True)
        await app.push_screen(TrialSendScreen(state))
        await pilot.pause()
        assert footer(app)["enter"] == "Next field"
        burst(app, *chars("ops@contoso.example"), "tab", *chars("not an address"))
        await wait_for(pilot, lambda: app.screen.query_one("#from", Input).value)
        assert app.screen.query_one("#to", Input).value == "ops@contoso.example"
        assert "enter" not in footer(app) and footer(app)["ctrl+t"] == "Send test"
        app.screen.query_one("#to", Input).focus()
        await pilot.press("ctrl+t")  # the From field is wrong: the cursor goes there
        assert app.screen.focused is app.screen.query_one("#from")
        assert not app.screen.sending


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_denied_send_puts_the_cursor_back_in_from_in_sight(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """After a refused on-behalf send the From field has the cursor and is on screen, so what is
    typed next visibly lands there; the explanation follows it."""
    with Sandbox(workdir=tmp_path / "sb", auto_approve_after=0.2) as sb:
        path = existing(tmp_path, endpoints_toml(sb, tmp_path))
        app = AlloyApp(path)
        async with app.run_test(size=size) as pilot:
            await to_registration(app, pilot)
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: on(app, ApiScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: "Signed in as" in screen_text(app), timeout=15)
            await pilot.press("enter")
            await wait_for(pilot, lambda: on(app, DelegationScreen))
            await pilot.press("space", "enter")
            await wait_for(pilot, lambda: on(app, TrialSendScreen))
            set_input(app, "#to", "ops@contoso.example")
            set_input(app, "#from", "ceo@contoso.example")
            app.screen.query_one("#to", Input).focus()
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: not app.screen.sending, timeout=15)
            await pilot.pause(0.2)
            assert "ErrorSendAsDenied" in screen_text(app)
            field = app.screen.query_one("#from", Input)
            assert app.screen.focused is field
            assert app.screen.query_one("#body").region.contains_region(field.region)
            burst(app, "ctrl+u", *chars("helpdesk@contoso.example"), "enter")  # Enter sends
            await wait_for(pilot, lambda: app.screen.result is not None, timeout=15)
            assert field.value == "helpdesk@contoso.example"
            assert "Test message has been sent" in screen_text(app)
            assert "on behalf of helpdesk@contoso.example" in screen_text(app)


async def test_no_color_marks_the_focused_field_with_a_heavy_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AlloyApp(existing(tmp_path))
    async with app.run_test() as pilot:
        await to_registration(app, pilot)
        tenant, client = (app.screen.query_one(f"#{k}", Input) for k in ("tenant", "client_id"))
        assert tenant.styles.border_top[0] == "heavy" and client.styles.border_top[0] != "heavy"
        await pilot.press("tab", "tab")
        assert app.screen.query_one("#cloud").styles.border_top[0] == "heavy"


async def test_very_wide_terminal_keeps_the_step_list_and_puts_help_beside_the_fields(
    tmp_path: Path,
) -> None:
    app = AlloyApp(existing(tmp_path))
    async with app.run_test(size=(170, 40)) as pilot:
        await to_registration(app, pilot)
        await pilot.pause()
        assert app.screen.query_one("#steps").display
        fields, help_panel = app.screen.query_one("#reg-fields"), app.screen.query_one("#reg-help")
        assert help_panel.region.x > fields.region.x and help_panel.region.y == fields.region.y
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.screen.query_one("#steps").display
        assert help_panel.region.y > fields.region.y  # stacked below
