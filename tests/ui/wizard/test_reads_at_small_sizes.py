"""What an admin reads at 60x20 and 80x24: a field opens with its label in view, wrapped lines
keep their indent (help lists, the Saved step's commands, the review's values), nothing is
re-wrapped into ragged lines, and every step between Welcome and Saved is numbered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Static

from alloy_tui.ui.app import AlloyApp
from alloy_tui.ui.wizard.dialogs import HelpScreen
from alloy_tui.ui.wizard.done_step import DoneScreen
from alloy_tui.ui.wizard.local_mail_step import LocalMailScreen
from alloy_tui.ui.wizard.review_step import ReviewScreen
from alloy_tui.ui.wizard.signin_step import SignInScreen
from tests.helpers.wizard import OneStep, on, sandbox_wizard, to_registration, wait_for

TENANT_ID = "3e30a111-9bf7-4ee8-8e13-22728a41110a"


def lines_of(widget: Widget) -> list[str]:
    """The widget's text as drawn, line by line."""
    w, h = widget.size
    return [s.text.rstrip() for s in widget.render_lines(Region(0, 0, w, h))]


def in_view(app: AlloyApp, widget: Widget) -> bool:
    body = app.screen.query_one("#body")
    return widget.region.height > 0 and body.region.contains_region(widget.region)


def label_above(field: Widget) -> Widget:
    siblings = list(field.parent.children)  # type: ignore[union-attr]
    return next(w for w in reversed(siblings[: siblings.index(field)]) if w.has_class("label"))


async def test_tenant_and_local_mail_fields_open_with_their_labels_at_60x20(
    tmp_path: Path,
) -> None:
    app = AlloyApp(tmp_path / "cfg" / "config.toml")
    async with app.run_test(size=(60, 20)) as pilot:
        await to_registration(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.focused, Input), what="the tenant field")
        await pilot.pause(0.2)
        tenant = app.screen.query_one("#tenant")
        assert app.focused is tenant and in_view(app, tenant)
        assert in_view(app, label_above(tenant)), "the tenant's label is scrolled away"
        await pilot.press("tab")  # the next field: its label comes along too
        await pilot.pause(0.2)
        client = app.screen.query_one("#client_id")
        assert in_view(app, client) and in_view(app, label_above(client))

    path = tmp_path / "smtp.toml"
    path.write_text('service = "smtp"\n[smtp]\nhost = "mail.example.com"\n')
    app = OneStep(path, "local_mail", LocalMailScreen, lambda s: None)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: on(app, LocalMailScreen))
        await pilot.pause(0.2)
        admin = app.screen.query_one("#admin")
        assert app.focused is admin and in_view(app, admin)
        label = label_above(admin)
        assert "Admin address" in str(label.content) and in_view(app, label)
        assert app.screen.query_one(".step-heading").display is False  # 60x20: in the title
        title = str(app.screen.query_one("#titlebar", Static).content)
        assert title.startswith("Step 5 of 6: Local mail for this server"), title


async def test_help_list_items_wrap_under_their_text_at_60x20(tmp_path: Path) -> None:
    app = AlloyApp(tmp_path / "config.toml", start_flow=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        app.push_screen(HelpScreen("Sign in", SignInScreen.help_text()))
        await wait_for(pilot, lambda: on(app, HelpScreen))
        await pilot.pause()
        lines = lines_of(app.screen.query_one("#help-text Static"))
    item = next(i for i, line in enumerate(lines) if line.startswith("  2. Enter the code."))
    assert lines[item + 1].startswith(" " * 5 + lines[item + 1].strip()[:1]), lines
    assert lines[item + 1][5] != " " and not lines[item + 1].startswith("  3."), lines
    # the hand-broken continuation "(OSC 52, ...)" joined its item: no line starts with it
    assert all(not line.startswith("(OSC 52") for line in lines), lines
    assert lines[item + 2].startswith(" " * 5) or lines[item + 2].startswith("  3."), lines


def _done(service: str) -> Callable[[Any], None]:
    import dataclasses

    def prepare(state: Any) -> None:
        state.draft = dataclasses.replace(state.draft, service=service)

    return prepare


async def test_saved_step_wraps_whole_paragraphs_and_names_the_service(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('service = "smtp"\n[smtp]\nhost = "mail.example.com"\n')
    said = {}
    for service in ("exchange-online", "smtp", "exchange-server"):
        app = OneStep(path, "done", DoneScreen, _done(service))
        async with app.run_test(size=(60, 20)) as pilot:
            await wait_for(pilot, lambda: on(app, DoneScreen))  # noqa: B023
            await pilot.pause()
            commands = lines_of(app.screen.query_one("#commands"))
            saved = next(w for w in app.screen.query(Static) if "Settings saved" in str(w.content))
            warning = lines_of(saved)
            body = "\n".join(str(w.content) for w in app.screen.query(Static))
        at = next(i for i, line in enumerate(commands) if "alloy-tui status" in line)
        status = commands[at]
        said[service] = " ".join([status, commands[at + 1].strip()])
        column = status.index(status.split("alloy-tui status")[1].strip())
        for line in commands:
            if line.strip() and not line.strip().startswith("alloy-tui"):
                # a wrapped description stays in its column, never back at the margin
                assert line.startswith(" " * column) and line[column] != " ", commands
        assert all(len(line) <= 58 for line in commands)
        assert warning[0].startswith("✓ Settings saved to")
        assert all(line.startswith("  ") for line in warning[1:]), warning
        assert "Press Enter to quit." in body
    assert "account signed in" in said["exchange-online"]
    assert "signed in" not in said["smtp"] and "SMTP server" in said["smtp"]
    assert (
        "signed in" not in said["exchange-server"] and "Exchange server" in said["exchange-server"]
    )


async def test_review_keeps_values_in_their_column_and_ids_whole_at_60x20(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'service = "exchange-online"\n[exchange_online]\ntenant = "{TENANT_ID}"\n'
        'client_id = "adfcf17a-1aa3-45d1-8736-fc35e3b825fc"\n'
    )
    app = OneStep(path, "review", ReviewScreen, lambda s: None)
    async with app.run_test(size=(52, 20)) as pilot:
        await wait_for(pilot, lambda: on(app, ReviewScreen))
        await pilot.pause()
        shown = next(w for w in app.screen.query(Static) if "Settings:" in str(w.content))
        settings = lines_of(shown)
    tenant = next(i for i, line in enumerate(settings) if line.strip().startswith("Tenant:"))
    # too long beside its label: the id goes whole on the next line, further in
    assert settings[tenant].strip() == "Tenant:" and settings[tenant + 1].strip() == TENANT_ID
    service = next(i for i, line in enumerate(settings) if "E-mail service:" in line)
    column = settings[service].index("Exchange Online")
    assert settings[service + 1].startswith(" " * column), settings  # wrapped under its value


async def test_sandbox_guide_facts_wrap_deeper_than_they_start_at_80x24() -> None:
    """`--sandbox`'s welcome: a fact that wraps ("not granted by: a, b, c") goes on under its
    own text, never back at the facts' indent, where it would read as another fact."""
    from alloy_tui.ui.widgets.hanging import HangingStatic

    async with sandbox_wizard() as (_, app, pilot):
        await pilot.pause()
        facts = [lines_of(w) for w in app.screen.query(HangingStatic)]
    wrapped = [lines for lines in facts if len(lines) > 1 and lines[0].startswith("    ")]
    assert any("not granted by:" in lines[0] for lines in wrapped), facts
    for lines in wrapped:
        assert all(line.startswith(" " * 5) for line in lines[1:]), lines
