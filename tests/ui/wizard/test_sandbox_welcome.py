"""`alloy-tui --sandbox`: the welcome step greets like a first run and tells a first-time admin
everything the four paths (Graph, EWS, SMTP, Exchange Server) ask for."""

from __future__ import annotations

from alloy_tui.sandbox.session import open_sandbox_session
from alloy_tui.ui.app import AlloyApp
from tests.helpers.wizard import on, sandbox_wizard, screen_text, wait_for


async def test_sandbox_welcome_is_a_first_run_with_what_every_path_needs() -> None:
    async with sandbox_wizard((100, 80)) as (sb, app, pilot):
        await pilot.pause()
        text = screen_text(app)
    assert "Edit mode" not in text and "editing config.toml" not in text
    assert "This wizard sets up" in text  # the first-run plan
    for needed in (
        sb.tenant,
        sb.client_id,
        "alerts@contoso.example",
        sb.ews_endpoint,  # Exchange Server's EWS URL
        "CONTOSO\\svc-alerts",
        "Sandbox-Passw0rd",
        f"127.0.0.1 port {sb.smtp_port}",
        "STARTTLS",
    ):
        assert needed in text, needed
    granted = next(line for line in text.splitlines() if line.strip().startswith("granted"))
    assert "helpdesk@contoso.example" in granted
    refused = next(line for line in text.splitlines() if line.strip().startswith("not granted"))
    assert "ops@contoso.example" in refused


async def test_sandbox_done_step_points_the_commands_at_a_sandbox() -> None:
    from alloy_tui.ui.wizard.done_step import DoneScreen

    with open_sandbox_session() as session:
        app = AlloyApp(session.config_path, sandbox=session, start_flow=False)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            app.push_screen(DoneScreen(app.state))
            await wait_for(
                pilot, lambda: on(app, DoneScreen) and "Settings saved" in screen_text(app)
            )
            text = screen_text(app)
    assert "alloy-tui sandbox serve" in text
