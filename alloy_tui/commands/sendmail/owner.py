"""Root's hand-off and a config another user owns (light: root's cron mail passes here)."""

from __future__ import annotations

import os

from alloy_tui.commands.sendmail.errors import HandoffError


def refuse_foreign_config(config_path: str | os.PathLike[str]) -> None:
    """Root and another user's config (`setup-system --user alloy`): root never writes into that
    user's outbox (it could be steered by a symlink, and the daemon could not read root's files).
    HandoffError with `permission`: the message goes to the maildrop instead, as every other
    user's does (maildrop.drop_instead)."""
    from alloy_tui.core.become import foreign_owner

    uid = foreign_owner(config_path)
    if uid is None:
        return
    import pwd

    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = f"uid {uid}"
    raise HandoffError(
        f"it belongs to {owner}: root hands its mail to the maildrop like every other user",
        os.EX_NOPERM,
        permission=True,
    )
