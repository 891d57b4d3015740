"""What the wizard knows while it runs: the draft settings and what each step found out.

Nothing here touches the disk; only `store.save` (on the review step) writes the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from alloy_tui.core.config import Settings

if TYPE_CHECKING:
    from alloy_tui.core.config import LoadedConfig
    from alloy_tui.core.mail import SendResult
    from alloy_tui.core.signin import Account
    from alloy_tui.sandbox.session import SandboxSession


class Back:
    """The result a step dismisses with when the admin goes back."""

    _instance: Back | None = None

    def __new__(cls) -> Back:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BACK"


BACK: Final = Back()


@dataclass
class WizardState:
    config_path: Path
    draft: Settings = field(default_factory=Settings)
    loaded: LoadedConfig | None = None  # once the file is read
    load_error: list[str] = field(default_factory=list)  # the file exists but could not be read
    sandbox: SandboxSession | None = None  # running, with `alloy-tui --sandbox`
    account: Account | None = None  # who signed in (this session or from the token cache)
    test_result: SendResult | None = None  # the last test message that went through
    tested_with: Settings | None = None  # the draft that test message was sent with
    test_to: str = ""
    test_from: str = ""
    saved_path: Path | None = None
    signed_in: str = ""  # who signed in during this session: a change until saved
    done: set[str] = field(default_factory=set)  # keys of steps completed at least once
    #: What was typed or chosen on a step the admin went Back from, by screen: shown again when
    #: the step comes back (Next folds it into the draft). In memory only; never a password
    #: (a typed one is held by `core.secrets.set_pending`).
    typed: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def edit_mode(self) -> bool:
        return bool(self.loaded is not None and getattr(self.loaded, "exists", False))

    def changes(self) -> list[tuple[str, object, object]]:
        """What differs between the draft and the file on disk (empty when nothing to save)."""
        if self.loaded is None:
            return []
        from alloy_tui.core.config import store

        return list(store.diff(self.loaded, self.draft))

    def unsaved(self) -> list[tuple[str, object, object]]:
        """What quitting now would lose: the config changes, and a sign-in made in the wizard
        (its tokens are cached, but the config does not name the account until saved)."""
        changes = self.changes()
        if self.signed_in:
            changes.append((f"sign-in as {self.signed_in}", "", self.signed_in))
        return changes

    @property
    def test_passed(self) -> bool:
        """A test message went through with the settings about to be saved (every setting a
        send uses: see `sending_settings`)."""
        return (
            self.test_result is not None
            and self.tested_with is not None
            and sending_settings(self.tested_with) == sending_settings(self.draft)
        )

    def keep_test_if_current(self) -> bool:
        """Drop the last test result when the settings it was sent with changed since;
        True when it still holds for the draft."""
        if self.test_result is not None and not self.test_passed:
            self.test_result = None
            self.tested_with = None
        return self.test_result is not None

    @property
    def dirty(self) -> bool:
        if self.loaded is None:
            return False
        return bool(self.changes())


def sending_settings(s: Settings) -> tuple[object, ...]:
    """What a send depends on: the service and its own section, network and message defaults.
    The other services' sections and the alert log's place and size change nothing about
    whether a message goes through."""
    own = s.service_section()
    return (s.service, own, s.network, s.message)
