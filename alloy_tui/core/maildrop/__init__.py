"""The maildrop: mail from every local user in system mode (postfix's idea, mode 3733).

    drop_bytes(submit_path(), header_bytes({...}), raw)  # any user's sendmail (no config)
    drop(submit_folder(), raw, Envelope(...))      # sendmail -bs without the config
    intake(folder, box, settings, config_path, log) # the runner (the config's owner): into the outbox
    MaildropIntake(settings, config_path, box).take(if_changed=True)   # an intake core/daemon.py hands run_queue

The submitting side finds the folder by ``$ALLOY_TUI_MAILDROP`` or /var/spool/alloy-tui/maildrop
(it cannot read the config); the runner by ``[queue] maildrop``, else the same default.
`system_folders` / `apply_step` are `alloy-tui setup-system`. Outside this package, import from here.
"""

from __future__ import annotations

from alloy_tui.core import lazy_names

TYPE_CHECKING = False  # not typing's: sendmail's drop side imports this front door
if TYPE_CHECKING:  # what __getattr__ below returns, so type checkers know these names
    from alloy_tui.core.maildrop.drop_file import (
        DEFAULT_MAILDROP,
        Envelope,
        HeaderError,
        drop,
        header_line,
        open_maildrop,
        parse,
        submit_folder,
    )
    from alloy_tui.core.maildrop.folder_check import maildrop_problem
    from alloy_tui.core.maildrop.ledger import stuck_files
    from alloy_tui.core.maildrop.pickup import IntakeSummary, intake
    from alloy_tui.core.maildrop.setup import MAILDROP_MODE, FolderStep, SetupError, system_folders
    from alloy_tui.core.maildrop.setup import apply as apply_step
    from alloy_tui.core.maildrop.waiting import Waiting, maildrop_folder, waiting_files
    from alloy_tui.core.maildrop.watch import MaildropIntake, maildrop_path, reads_maildrop
    from alloy_tui.core.maildrop.writing import (
        MAILDROP_ENV,
        MAX_HEADER_BYTES,
        MaildropError,
        drop_bytes,
        header_bytes,
        submit_path,
    )

# Loaded on first use (PEP 562): sendmail's submitting side needs writing alone.
__getattr__ = lazy_names(
    globals(),
    {
        "drop_file": (
            "DEFAULT_MAILDROP Envelope HeaderError "
            "drop header_line open_maildrop parse submit_folder"
        ),
        "folder_check": "maildrop_problem",
        "ledger": "stuck_files",
        "pickup": "IntakeSummary intake",
        "setup": "MAILDROP_MODE FolderStep SetupError system_folders apply_step=apply",
        "waiting": "Waiting maildrop_folder waiting_files",
        "watch": "MaildropIntake maildrop_path reads_maildrop",
        "writing": (
            "MAILDROP_ENV MAX_HEADER_BYTES MaildropError drop_bytes header_bytes submit_path"
        ),
    },
)


__all__ = [
    "DEFAULT_MAILDROP",
    "MAILDROP_ENV",
    "MAILDROP_MODE",
    "MAX_HEADER_BYTES",
    "Envelope",
    "FolderStep",
    "HeaderError",
    "IntakeSummary",
    "MaildropError",
    "MaildropIntake",
    "SetupError",
    "Waiting",
    "apply_step",
    "drop",
    "drop_bytes",
    "header_bytes",
    "header_line",
    "intake",
    "maildrop_folder",
    "maildrop_path",
    "maildrop_problem",
    "open_maildrop",
    "parse",
    "reads_maildrop",
    "stuck_files",
    "submit_folder",
    "submit_path",
    "system_folders",
    "waiting_files",
]
