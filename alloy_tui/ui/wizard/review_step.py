"""Step 7: the settings, what changes against the file on disk, and the (atomic) save."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.core.errors import printable
from alloy_tui.ui.widgets.explanation import ExplanationPanel
from alloy_tui.ui.widgets.hanging import LABELLED_ROW, HangingStatic
from alloy_tui.ui.wizard.base import Step, WizardScreen
from alloy_tui.ui.wizard.state import WizardState
from alloy_tui.ui.wizard.step_names import heading
from alloy_tui.ui.wizard.summary import format_rows, format_value, summary_lines

if TYPE_CHECKING:
    from alloy_tui.core.config import LoadedConfig, Settings


@dataclass(frozen=True)
class Saved:
    path: Path
    loaded: LoadedConfig  # as saved


#: Old and new side by side when both fit in this many columns (80 columns less the frame).
CHANGE_WIDTH = 66


def change_lines(key: str, old: object, new: object) -> list[str]:
    """One change: the key on its own line, the values below it. Side by side when short,
    else one per line ("was" / "now"), so a long URL wraps on its own line and stays readable."""
    before, after = format_value(old, key), format_value(new, key)
    lines = [f"  ~ {key}"]
    if len(before) + len(after) + 4 <= CHANGE_WIDTH:
        lines.append(f"      {before}  ->  {after}")
    else:
        lines += [f"      was: {before}", f"      now: {after}"]
    return lines


def changes_text(state: WizardState) -> str:
    if state.loaded is None:
        return ""
    changes = state.changes()
    if not changes:
        return "\nNo changes against the file on disk: saving keeps it as it is."
    head = (
        "Changes against the file on disk:"
        if state.edit_mode
        else "New file; these keys differ from the defaults:"
    )
    lines = ["", head]
    for key, old, new in changes:
        lines += change_lines(key, old, new)
    return "\n".join(lines)


class ReviewScreen(WizardScreen[Saved]):
    STEP_TITLE = heading("review")
    NEXT_LABEL = "Save"
    HELP = """\
What will be saved, and what changes against the config file on disk.

Saving is atomic: the new file is written next to the old one and then
replaces it in one step, so the file is never half-written (the previous
version is kept as config.toml.bak). Comments, key order and keys alloy-tui
does not know are kept. If another program changed the file since the wizard
read it, nothing is written and you are told.

A warning shows when no test message went through with exactly these
settings. You can save anyway.

Enter (or ^N) saves; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next", "Save", key_display="Enter"),
        Binding("ctrl+n", "next", "Save", key_display="^N"),
        Binding("o", "overwrite", "Save over it"),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(state)
        self.changed_on_disk = False

    def compose_body(self) -> ComposeResult:
        state = self.state
        # A value that wraps stays in its column; an id too long for it goes under its label.
        yield HangingStatic("Settings:\n" + format_rows(summary_lines(state.draft)), LABELLED_ROW)
        yield HangingStatic(changes_text(state), LABELLED_ROW, id="changes")
        yield Static(f"Saves to: {state.config_path}", id="save-path", classes="path", markup=False)
        if not state.test_passed:
            yield Static(
                "⚠ No test message went through with these settings. You can save anyway, "
                "or press Esc to go back to Test settings.",
                id="no-test",
                classes="notice -warning",
                markup=False,
            )
        else:
            yield Static(
                "✓ A test message went through with these settings.", id="test-ok", markup=False
            )
        yield ExplanationPanel(id="save-error")

    def on_mount(self) -> None:
        self.query_one("#save-error", ExplanationPanel).clear()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.ready:
            return False
        if action == "overwrite":
            return True if self.changed_on_disk else False
        return super().check_action(action, parameters)

    def collect(self) -> Saved | None:
        return self._save(self.state.loaded)

    def action_overwrite(self) -> None:
        """The file changed on disk: read it again and save these choices over the keys they set."""
        from alloy_tui.core.config import store
        from alloy_tui.core.errors import AlloyError

        try:
            fresh = store.load_or_default(self.state.config_path)
        except (AlloyError, OSError) as e:
            self._fail(
                "The config file cannot be read now",
                str(e),
                "Fix or move the file, then save again.",
            )
            return
        result = self._save(fresh)
        if result is not None:
            self.dismiss(result)

    def _fail(self, title: str, cause: str, fix: str, code: str = "") -> None:
        from alloy_tui.core.errors import Explanation

        self.query_one("#save-error", ExplanationPanel).show(
            Explanation(title=title, cause=cause, fix=fix, code=code)
        )
        self.say("Not saved.", "error")

    def _save(self, loaded: LoadedConfig | None) -> Saved | None:
        from alloy_tui.core.config import SettingsError, store
        from alloy_tui.core.errors import AlloyError

        if loaded is None:
            self._fail(
                "The config file could not be read",
                "\n".join(self.state.load_error) or "The file could not be loaded.",
                "Fix the file (or move it away) and start the wizard again; it was not changed.",
            )
            return None
        from alloy_tui.core.secrets import committing_pending

        previous_auth = loaded.settings.exchange_online.auth
        try:
            # A password typed in the wizard is written with the config, or not at all.
            with committing_pending(self.state.draft):
                new = store.save(loaded, self.state.draft)
        except store.ConfigChangedError as e:
            self.changed_on_disk = True
            self.refresh_bindings()
            self._fail(
                "The file changed on disk",
                str(e),
                "Press o to read it again and save these choices over the keys they set (other "
                "edits in the file are kept), or ^Q to leave it as it is.",
                code="config.changed",
            )
            return None
        except SettingsError as e:
            self._fail(
                "Some settings are not valid",
                "\n".join(e.lines),
                "Press Esc to go back to the step that sets them.",
            )
            return None
        except (AlloyError, OSError) as e:
            self._fail(
                "Could not save",
                str(e),
                "Check the folder's permissions and free space, then press Enter again.",
            )
            return None
        self._forget_replaced_accounts(new.settings)
        if previous_auth != new.settings.exchange_online.auth:
            self._forget_other_mode(new.settings)
        return Saved(path=self.state.config_path, loaded=new)

    def _forget_other_mode(self, settings: Settings) -> None:
        """Sign-in mode switched and saved: the other mode's cached tokens go now."""
        from alloy_tui.core.errors import AlloyError
        from alloy_tui.core.signin import forget_other_mode_tokens

        try:
            removed = forget_other_mode_tokens(settings, self.state.config_path)
        except (AlloyError, OSError) as e:
            self.app.notify(
                printable(f"Saved, but the old sign-in's tokens stay cached: {e}"),
                severity="warning",
                markup=False,
            )
            return
        if removed:
            self.app.notify(
                printable(f"Removed the old sign-in's tokens: {', '.join(removed)}."),
                title="Sign-in changed",
                markup=False,
            )

    def _forget_replaced_accounts(self, settings: Settings) -> None:
        """Change account, second half: the saved config names the new account, so the
        accounts it replaced leave the token cache now (not at sign-in: quitting without saving
        keeps the old config and its account working)."""
        eo = settings.exchange_online
        if settings.service != "exchange-online" or not eo.account:
            return
        from alloy_tui.core.errors import AlloyError
        from alloy_tui.core.signin import SignIn

        try:
            removed = SignIn(settings, self.state.config_path).forget_other_accounts(
                keep=eo.account
            )
        except (AlloyError, OSError) as e:
            self.app.notify(
                printable(f"Saved, but the replaced account's tokens could not be removed: {e}"),
                severity="warning",
                markup=False,
            )
            return
        if removed:
            self.app.notify(
                printable(
                    f"Signed out {', '.join(removed)}: its tokens were removed from the token cache."
                ),
                title="Account changed",
                markup=False,
            )


def apply(state: WizardState, result: Saved) -> None:
    state.loaded = result.loaded
    state.saved_path = result.path


STEP = Step.named("review", ReviewScreen, apply)
